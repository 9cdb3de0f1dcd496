/**
 * `npm install git+<url>`, the first install the README documents: npm clones the
 * repository, installs its dev dependencies in the clone, builds it (`prepare`) and packs it. Here the
 * URL is a `git+file://` URL of a local clone of this checkout's committed HEAD (not the npm registry's
 * copy, which does not exist). Each kind of project once, with npm 11 and npm 10 between them (the
 * tarball test runs every kind with both: the dependency resolution is the same whatever the source).
 *
 * Slow (one to two minutes per install: npm installs the dev dependencies in its clone) and needs the npm
 * registry: runs under CI=true or with KMS_TEST_INSTALL=1, otherwise skipped with a summary line.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
  binModes,
  cloneRepository,
  describeInstall,
  makeProject,
  npmInstall,
  type NpmMajor,
  npx,
  type ProjectKind,
  testPlanCases,
  VERSION,
} from "./helpers/userProject";

let tmp: string;
let url: string;

describeInstall("installed from a git URL", () => {
  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "kms-install-git-"));
    url = `git+file://${cloneRepository(path.join(tmp, "pulumi-kms-activation"))}`;
  }, 120_000);

  afterAll(() => {
    if (tmp && !process.env.KMS_TEST_KEEP) fs.rmSync(tmp, { recursive: true, force: true });
  });

  describe.each([
    ["empty", 11],
    ["javascript", 10],
    ["typescript", 11],
  ] as [ProjectKind, NpmMajor][])(
    "npm install git+file://… in a new %s project, npm %i",
    (kind, npm) => {
      let project: string;
      beforeAll(async () => {
        project = path.join(tmp, `${kind}-npm${npm}`);
        await makeProject(project, kind, npm);
        await npmInstall(npm, project, [url]);
      }, 900_000);

      test("built by prepare: executable CLIs, their --version, one @pulumi/pulumi", async () => {
        const lib = path.join(project, "node_modules", "pulumi-kms-activation");
        expect(fs.existsSync(path.join(lib, "bin", "components", "index.js"))).toBe(true);
        expect(fs.existsSync(path.join(lib, "node_modules", "@pulumi", "pulumi"))).toBe(false);
        expect(binModes(project)).toEqual({ "kms-plan": "755", "kms-doctor": "755" });
        expect((await npx(project, ["kms-plan", "--version"])).stdout.trim()).toBe(VERSION);
      }, 120_000);

      testPlanCases(() => project);
    },
  );
});
