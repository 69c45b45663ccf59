// Validates JSON against schemas taken from an OpenAPI 3.0 description (GitHub's, Jira's, Sentry's), for the stubs
// that must not drift from the published API.
import { readFileSync } from 'node:fs';
import Ajv from 'ajv';
import type { AnySchema, ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

/**
 * A validator over the description's `components.schemas`, identified by `schemaRoot`. The returned function
 * answers the problems of `body` against the schema `schemaOf()` gives ([] when it conforms), compiling each
 * schema once per `cacheKey`.
 */
export function openApiValidator(
  schemaRoot: string,
  componentSchemas: () => Record<string, unknown>,
): (cacheKey: string, schemaOf: () => unknown, body: unknown) => string[] {
  let ajv: Ajv | undefined;
  const validators = new Map<string, ValidateFunction>();
  const validatorFor = (): Ajv => {
    if (!ajv) {
      // strict: false because OpenAPI 3.0 adds keywords (example, nullable, discriminator, xml) JSON Schema lacks.
      ajv = new Ajv({ strict: false, allErrors: true });
      addFormats(ajv);
      ajv.addSchema({ $id: schemaRoot, components: { schemas: componentSchemas() } });
    }
    return ajv;
  };
  // The operation's schemas point into `#/components/schemas`, which lives in the schema added above.
  const rebased = (schema: unknown) =>
    JSON.parse(JSON.stringify(schema).replaceAll('"#/components/schemas/', `"${schemaRoot}#/components/schemas/`)) as AnySchema;
  return (cacheKey, schemaOf, body) => {
    let validate = validators.get(cacheKey);
    if (!validate) {
      validate = validatorFor().compile(rebased(schemaOf()));
      validators.set(cacheKey, validate);
    }
    return validate(body) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? e.keyword}`);
  };
}

/** The parts of an OpenAPI 3 description the stubs read. */
export interface OpenApiMediaType {
  schema?: unknown;
  example?: unknown;
  examples?: Record<string, { value: unknown }>;
}
export interface OpenApiOperation {
  operationId?: string;
  parameters?: { in: 'query' | 'path' | 'header' | 'cookie'; name: string; schema?: unknown }[];
  requestBody?: { content?: Record<string, OpenApiMediaType> };
  responses?: Record<string, { content?: Record<string, OpenApiMediaType> }>;
}
export interface OpenApiSpec {
  paths: Record<string, Record<string, OpenApiOperation>>;
  components: { schemas: Record<string, unknown> };
}

/**
 * A vendor's OpenAPI description read once from `file`: its operations by id, their published examples, and
 * validators over its `components.schemas` (identified by `schemaRoot`, see openApiValidator).
 */
export function openApiDocument<OperationId extends string = string>(file: string, vendor: string, schemaRoot: string) {
  let loaded: OpenApiSpec | undefined;
  const spec = () => (loaded ??= JSON.parse(readFileSync(file, 'utf8')) as OpenApiSpec);
  const operation = (operationId: string): OpenApiOperation => {
    for (const item of Object.values(spec().paths)) {
      for (const op of Object.values(item)) {
        if (op.operationId === operationId) return op;
      }
    }
    throw new Error(`${vendor}'s OpenAPI description has no operation ${operationId}`);
  };
  const jsonAnswer = (operationId: string, status: number) =>
    operation(operationId).responses?.[String(status)]?.content?.['application/json'];
  const validate = openApiValidator(schemaRoot, () => spec().components.schemas);
  return {
    spec,
    operation,
    validate,
    /** The published example of the operation's JSON answer: its `example` (a value, or JSON text), else the first of its `examples`. */
    publishedExample: (operationId: OperationId, status = 200): unknown => {
      const answer = jsonAnswer(operationId, status);
      const example = answer?.example ?? Object.values(answer?.examples ?? {})[0]?.value;
      if (example === undefined) throw new Error(`${operationId} publishes no example`);
      return typeof example === 'string' ? (JSON.parse(example) as unknown) : structuredClone(example);
    },
    /** Schema problems of `body` as the operation's JSON answer with `status` ([] when it conforms). */
    validateResponse: (operationId: OperationId, status: number, body: unknown): string[] =>
      validate(
        `${operationId} ${status}`,
        () => {
          const schema = jsonAnswer(operationId, status)?.schema;
          if (!schema) throw new Error(`${operationId} declares no JSON answer for ${status}`);
          return schema;
        },
        body,
      ),
  };
}
