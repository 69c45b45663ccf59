// One question on the terminal (the CLI's confirms: release, deploy, ship).
import { createInterface } from 'node:readline/promises';

export async function askOnTerminal(question: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return await rl.question(question);
  } finally {
    rl.close();
  }
}

/** A yes/no question; anything but y or yes is no. */
export async function confirmOnTerminal(question: string): Promise<boolean> {
  return /^y(es)?$/i.test((await askOnTerminal(question)).trim());
}
