/**
 * `npm install ../pulumi-kms-activation`, the README's third install: a clone
 * where `npm ci` ran (which builds bin/), linked into the project. npm runs the clone's `prepare` (a
 * build) again when it links it; a build that left the CLIs 0644 made `npx kms-plan` fail with
 * "Permission denied", since a link keeps the files' modes. npm does not install a linked folder's peer
 * dependencies: the README's peer line follows. Each kind of project once, npm 10 and 11 between them.
 *
 * Slow (npm ci in the clone, then an install per project) and needs the npm registry: runs under
 * CI=true or with KMS_TEST_INSTALL=1, otherwise skipped with a summary line.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
  binModes,
  cloneRepository,
  describeInstall,
  exec,
  makeProject,
  npmInstall,
  type NpmMajor,
  npx,
  PEER_SPECS,
  type ProjectKind,
  testPlanCases,
  VERSION,
} from "./helpers/userProject";

let tmp: string;
let clone: string;

describeInstall("installed from a local clone (a folder)", () => {
  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "kms-install-folder-"));
    clone = cloneRepository(path.join(tmp, "pulumi-kms-activation"));
    const r = await exec(
      "npm",
      ["ci", "--no-audit", "--no-fund", "--prefer-offline"],
      clone,
      900_000,
    );
    if (r.code !== 0) throw new Error(`npm ci in the clone failed:\n${r.stderr}`);
  }, 900_000);

  afterAll(() => {
    if (tmp && !process.env.KMS_TEST_KEEP) fs.rmSync(tmp, { recursive: true, force: true });
  });

  test("npm ci in the clone built the CLIs executable", () => {
    const modes = ["plan-cli.js", "doctor-cli.js"].map((f) =>
      (fs.statSync(path.join(clone, "bin", "tools", f)).mode & 0o777).toString(8),
    );
    expect(modes).toEqual(["755", "755"]);
  });

  describe.each([
    ["empty", 10],
    ["javascript", 11],
    ["typescript", 10],
  ] as [ProjectKind, NpmMajor][])(
    "npm install <clone> in a new %s project, npm %i",
    (kind, npm) => {
      let project: string;
      beforeAll(async () => {
        project = path.join(tmp, `${kind}-npm${npm}`);
        await makeProject(project, kind, npm);
        // As the README says: npm does not install a linked folder's peer dependencies.
        await npmInstall(npm, project, [clone]);
        await npmInstall(npm, project, PEER_SPECS);
      }, 900_000);

      test("linked, executable CLIs, their --version", async () => {
        const link = path.join(project, "node_modules", "pulumi-kms-activation");
        expect(fs.realpathSync(link)).toBe(fs.realpathSync(clone));
        expect(binModes(project)).toEqual({ "kms-plan": "755", "kms-doctor": "755" });
        expect((await npx(project, ["kms-plan", "--version"])).stdout.trim()).toBe(VERSION);
      }, 120_000);

      testPlanCases(() => project);
    },
  );
});
