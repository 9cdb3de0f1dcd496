/**
 * `kms-plan` run in this process, as a user runs it: its `main()` with the arguments, what it prints on
 * stdout and stderr captured, and its exit code.
 */
import { main } from "../../tools/plan-cli";

export interface PlanCliRun {
  code: number;
  out: string;
  err: string;
}

export async function runPlanCli(args: string[]): Promise<PlanCliRun> {
  let out = "";
  let err = "";
  const write = jest.spyOn(process.stdout, "write").mockImplementation((s: string | Uint8Array) => {
    out += String(s);
    return true;
  });
  const werr = jest.spyOn(process.stderr, "write").mockImplementation((s: string | Uint8Array) => {
    err += String(s);
    return true;
  });
  try {
    return { code: await main(args), out, err };
  } finally {
    write.mockRestore();
    werr.mockRestore();
  }
}
