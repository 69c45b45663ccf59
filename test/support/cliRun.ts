// Runs a CLI command in this process and keeps what it writes: the `write` callback's output as stdout,
// process.stderr's as stderr (the CLI reports errors there, as a shell user would see them).
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export async function cli(run: (write: (text: string) => void) => Promise<number>): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const original = process.stderr.write.bind(process.stderr);
  process.stderr.write = (chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  };
  try {
    const code = await run((text) => (stdout += text));
    return { code, stdout, stderr };
  } finally {
    process.stderr.write = original;
  }
}
