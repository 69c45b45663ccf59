// The shape of conveyor.yml, mirroring schemas/conveyor.schema.json (the schema is the source of truth
// for validation; these types are what the rest of the code reads after validation).

export type BoardProviderName = 'local' | 'github' | 'linear' | 'jira' | 'notion';

export interface BoardConfig {
  provider?: BoardProviderName;
  file?: string;
  /** The provider's status a work item moves to when a release brings its commits. */
  onRelease?: string;
  /** The provider's status a work item moves to when a release that brings its commits is verified in production. */
  onProduction?: string;
  /** The provider's status a work item still to do moves to on Start Work; default: its In progress status. */
  onStartWork?: string;
  github?: { owner?: string; repo?: string; project?: number };
  linear?: { team?: string };
  jira?: { site: string; project?: string; jql?: string };
  notion?: {
    /** The database's id or URL. */
    database: string;
    /** Property names, where the database does not use the defaults. */
    properties?: { title?: string; status?: string; assignee?: string; milestone?: string };
  };
}

export interface StartWorkConfig {
  /** Branch-name template with {type}, {key}, {slug}, {title}; default `{type}/{key}-{slug}`. */
  branch?: string;
  /** Start in a new worktree opened in a new window (true), switch the checkout (false, default), or ask. */
  worktree?: boolean | 'ask';
  /** Where worktrees are created, relative to the folder; default `<repository>.worktrees` next to the repository. */
  worktreeFolder?: string;
}

export interface CodeConfig {
  startWork?: StartWorkConfig;
}

export type ProblemMatcherConfig =
  | 'tsc'
  | 'eslint'
  | 'generic'
  | 'none'
  | { regexp: string; file?: number; line?: number; column?: number; severity?: number; message?: number };

export interface StageConfig {
  name: string;
  run: string;
  cwd?: string;
  env?: Record<string, string | number | boolean>;
  timeout?: number | string;
  problemMatcher?: ProblemMatcherConfig;
  junit?: string;
  tap?: string;
}

export interface PipelineConfig {
  security?: boolean;
  stages?: StageConfig[];
}

export interface ImageConfig {
  name: string;
  dockerfile?: string;
  context?: string;
  registry?: string;
  buildArgs?: Record<string, string>;
}

export interface ReleaseConfig {
  npm?: { registry?: string; distTag?: string };
}

export interface EnvironmentConfig {
  context?: string;
  namespace?: string;
  manifests?: string;
  kustomize?: string;
  confirm?: boolean;
  autoRollback?: boolean;
  /** A HorizontalPodAutoscaler for every Deployment the environment's manifests hold (or those named), applied on each deploy. */
  autoscale?: { min: number; max: number; targetCPU: number; deployments?: string[] };
}

export interface SentryConfig {
  url?: string;
  org?: string;
  project?: string;
  environment?: string;
  receiverPort?: number;
  pathMappings?: Record<string, string>;
}

export interface UptimeCheckConfig {
  name: string;
  url: string;
  interval?: number;
  timeout?: number;
  expectStatus?: number;
  keyword?: string;
  /** The environment whose release this check watches (the belt verifies with it). */
  environment?: string;
}

export interface GoalConfig {
  name: string;
  source: 'lighthouse' | 'http-json';
  url?: string;
  metric?: 'performance' | 'lcp' | 'tbt' | 'cls';
  valuePath?: string;
  target?: number;
  direction?: 'up' | 'down';
  /** Seconds between measurements; default 6 h for lighthouse, 15 min for http-json. */
  interval?: number;
}

export interface CiConfig {
  github?: { owner?: string; repo?: string; enterpriseUrl?: string };
  jenkins?: { url: string; jobs?: string[] };
}

export interface DeliveryEnvironmentConfig {
  name: string;
  auto?: boolean;
  verify?: { bake?: number; uptime?: string[]; maxNewErrors?: number; interval?: number };
}

export interface DeliveryConfig {
  environments?: DeliveryEnvironmentConfig[];
}

export interface ConveyorConfig {
  version?: 1;
  board?: BoardConfig;
  code?: CodeConfig;
  pipeline?: PipelineConfig;
  image?: ImageConfig;
  release?: ReleaseConfig;
  environments?: Record<string, EnvironmentConfig>;
  delivery?: DeliveryConfig;
  sentry?: SentryConfig;
  uptime?: UptimeCheckConfig[];
  goals?: GoalConfig[];
  ci?: CiConfig;
}

export const CONFIG_FILE_NAME = 'conveyor.yml';
