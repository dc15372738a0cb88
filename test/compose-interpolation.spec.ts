// Compose interpolation as the scan does it: the Compose Specification's syntax (compose-go's
// template package for the cases), values from `.env` or `--env-file` only, never the scanner's own
// environment; what a value resolves to is judged, what can't be known is never a false finding.
import * as assert from "assert";
import { spawnSync } from "child_process";
import { interpolate, noVariables, parseEnvFile, Variables } from "../cli/interpolation";
import { main } from "../cli/main";

const variables = (values: Record<string, string | undefined>, from = ".env"): Variables => new Map(Object.entries(values).map(([name, value]) => [name, { value, from }]));

/** What a text interpolates to: its value, `unknown (VAR)`, or `error: ...`. */
function result(text: string, values: Record<string, string | undefined> = {}): string {
    const out = interpolate(text, variables(values));
    return out.state === "resolved" ? out.value : out.state === "unknown" ? `unknown (${out.variable})` : `error: ${out.message}`;
}

describe("Compose interpolation", () => {
    it("fills $VAR and ${VAR}, and $$ is a literal $", () => {
        const set = { TAG: "1.27", EMPTY: "" };
        assert.strictEqual(result("nginx:$TAG", set), "nginx:1.27");
        assert.strictEqual(result("nginx:${TAG}-alpine", set), "nginx:1.27-alpine");
        assert.strictEqual(result("$$TAG costs $$5", set), "$TAG costs $5");
        assert.strictEqual(result("a$EMPTY${EMPTY}b", set), "ab");
        assert.strictEqual(result("$1 and $ and $-", set), "$1 and $ and $-", "a $ that starts no name is left as it is");
        assert.strictEqual(result("${TAG}${TAG}", set), "1.271.27");
    });

    it("applies each operator as compose-go does, set, empty and unset", () => {
        const cases: Array<[string, string, string, string]> = [
            // text, VAR=x, VAR="", VAR unset
            ["${VAR:-d}", "x", "d", "d"],
            ["${VAR-d}", "x", "", "d"],
            ["${VAR:+alt}", "alt", "", ""],
            ["${VAR+alt}", "alt", "alt", ""],
            ["${VAR:?need it}", "x", "error: required variable VAR is missing a value (need it)", "error: required variable VAR is missing a value (need it)"],
            ["${VAR?need it}", "x", "", "error: required variable VAR is missing a value (need it)"],
            ["${VAR:?}", "x", "error: required variable VAR is missing a value", "error: required variable VAR is missing a value"],
            ["${VAR}", "x", "", "unknown (VAR)"],
            ["$VAR", "x", "", "unknown (VAR)"],
        ];
        for (const [text, set, empty, unset] of cases) {
            assert.deepStrictEqual([result(text, { VAR: "x" }), result(text, { VAR: "" }), result(text)], [set, empty, unset], text);
        }
    });

    it("interpolates defaults and alternatives in turn, nested, and only when they are used", () => {
        assert.strictEqual(result("${A:-${B:-${C:-deep}}}"), "deep");
        assert.strictEqual(result("${A:-${B}}", { B: "b" }), "b");
        assert.strictEqual(result("${A:-${B}}", { A: "a" }), "a", "the unused default's unknown B doesn't matter");
        assert.strictEqual(result("${A:-${B}}"), "unknown (B)");
        assert.strictEqual(result("${A:+prefix-${A}}", { A: "a" }), "prefix-a");
        assert.strictEqual(result("${A:-{not a variable}}"), "{not a variable}");
        assert.strictEqual(result("${A:-x}y}"), "xy}");
    });

    it("refuses what docker compose refuses, never quoting the value", () => {
        for (const text of ["${", "${}", "${1A}", "${A B}", "${A", "pre ${A:-x"]) {
            assert.match(result(text), /^error: invalid interpolation format: a \$ that starts no variable \(write \$\$ for a literal \$\)$/, text);
        }
        assert.match(result("${A:?the secret is ${B}}", { B: "hunter2" }), /\(the secret is \$\{B\}\)$/, "the reason as written, not interpolated");
        assert.match(result(`${"${A:-".repeat(150)}x${"}".repeat(150)}`), /defaults nested more than 100 deep/);
    });

    it("a value made of a variable no file sets is not known; one a variable set to what isn't known makes is not either", () => {
        const unknownB = variables({ A: undefined });
        for (const text of ["${A}", "${A:-d}", "${A:+alt}", "${A-d}"]) {
            const out = interpolate(text, unknownB);
            assert.strictEqual(out.state, "unknown", text);
        }
        const out = interpolate("${A-d}", variables({}));
        assert.deepStrictEqual(out.state === "resolved" && [out.value, out.substituted, out.unset], ["d", true, true]);
    });

    it("says where a value came from: the env files of its variables, and the variable it wholly is", () => {
        const set = variables({ DB_PASSWORD: "x", HOST: "db" });
        const whole = interpolate("${DB_PASSWORD}", set);
        assert.ok(whole.state === "resolved" && whole.variable === "DB_PASSWORD" && whole.files.has(".env") && !whole.unset);
        const part = interpolate("postgres://app:${DB_PASSWORD}@${HOST}/shop", set);
        assert.ok(part.state === "resolved" && part.variable === undefined && part.substituted);
        const literal = interpolate("plain $$5", set);
        assert.ok(literal.state === "resolved" && !literal.substituted);
    });

    describe("env files, as compose-go's dotenv parser reads them", () => {
        const parsed = (text: string, values: Record<string, string | undefined> = {}) => {
            const { entries, error } = parseEnvFile(text, variables(values), "app.env");
            return { entries: entries.map(e => [e.key, e.line, e.value.state === "resolved" ? e.value.value : e.value.state, ...(e.inherited ? ["inherited"] : [])]), error };
        };

        it("reads keys, values, quotes, escapes, comments and export", () => {
            const text = [
                "# a comment",
                "PLAIN=value # a comment after a space",
                "HASH=a#b",
                "export EXPORTED=yes",
                "YAML_STYLE: 8080",
                "SINGLE='literal $HOME \\n'",
                'DOUBLE="tab\\there \\"quoted\\" \\$5"',
                'MULTI="first',
                'second"',
                "EMPTY=",
                "  SPACED  =  trimmed  ",
                "BARE",
            ].join("\n");
            assert.deepStrictEqual(parsed(text), {
                entries: [
                    ["PLAIN", 2, "value"],
                    ["HASH", 3, "a#b"],
                    ["EXPORTED", 4, "yes"],
                    ["YAML_STYLE", 5, "8080"],
                    ["SINGLE", 6, "literal $HOME \\n"],
                    ["DOUBLE", 7, 'tab\there "quoted" $5'],
                    ["MULTI", 8, "first\nsecond"],
                    ["EMPTY", 10, ""],
                    ["SPACED", 11, "trimmed"],
                    ["BARE", 12, "unknown", "inherited"],
                ],
                error: undefined,
            });
        });

        it("interpolates unquoted and double-quoted values from the project's variables and the lines before", () => {
            const text = 'HOST=db\nURL=postgres://${HOST}:${PORT:-5432}/${NAME}\nQUOTED="${HOST}"\nRAW=\'${HOST}\'\nFROM_PROJECT=$REGION\n';
            assert.deepStrictEqual(parsed(text, { REGION: "eu" }).entries, [
                ["HOST", 1, "db"],
                ["URL", 2, "unknown"],
                ["QUOTED", 3, "db"],
                ["RAW", 4, "${HOST}"],
                ["FROM_PROJECT", 5, "eu"],
            ]);
        });

        it("stops at a line docker compose can't read, keeping the entries before it", () => {
            assert.deepStrictEqual(parsed("A=1\nB C=2\n"), { entries: [["A", 1, "1"]], error: { line: 2, message: 'unexpected character in variable name "B C"' } });
            assert.deepStrictEqual(parsed('A=1\nB="open\n').error, { line: 2, message: "a quoted value has no closing quote" });
            assert.deepStrictEqual(parsed("=x\n").error, { line: 1, message: "a key can't be empty" });
            assert.deepStrictEqual(parsed("A=${\n").error, { line: 1, message: "invalid interpolation format: a $ that starts no variable (write $$ for a literal $)" });
            assert.deepStrictEqual(parseEnvFile("", noVariables, "x").entries, []);
        });
    });
});

describe("container-guard scan: Compose files interpolated", function () {
    this.timeout(30000);
    const dir = "test/fixtures/scan/interpolation";
    const compose = `${dir}/compose.yaml`;

    interface Report {
        findings: Array<{ policy: string; level: string; file: string; line: number; message: string; resource: { label: string } }>;
        errors: Array<{ file: string; line?: number; message: string }>;
    }
    const scan = (...args: string[]) => {
        let stdout = "";
        let stderr = "";
        const code = main(["scan", ...args, "--format", "json"], {
            stdout: { write: (text: string) => (stdout += text) },
            stderr: { write: (text: string) => (stderr += text) },
            env: {},
            stdin: () => [],
        });
        return { code, report: JSON.parse(stdout || "null") as Report, stdout, stderr };
    };
    const where = (report: Report) => report.findings.map(f => `${f.resource.label} ${f.policy} ${f.file}:${f.line}`).sort();

    it("judges every value as it resolves with the .env beside the Compose file, defaults where nothing sets a variable", () => {
        const { code, report, stdout } = scan(dir);
        assert.strictEqual(code, 2, "the worker's required WORKER_TAG is unset, as docker compose would refuse it");
        assert.deepStrictEqual(where(report), [
            `Compose service debug container-no-privileged ${compose}:33`, // ${DEBUG_PRIVILEGED:-true}
            `Compose service debug container-restrict-added-capabilities ${compose}:34`, // ${DEBUG_CAP:-SYS_PTRACE}
            `Compose service web container-no-host-ports ${compose}:13`, // WEB_PORT=80 in .env
            `Compose service web container-no-plaintext-secrets ${compose}:17`, // DB_PASSWORD: ${DB_PASSWORD}
            `Compose service web container-no-plaintext-secrets ${compose}:18`, // SESSION_SECRET (from where compose runs)
            `Compose service web container-no-plaintext-secrets ${compose}:19`, // STRIPE_API_KEY from .env
            `Compose service web container-no-plaintext-secrets ${dir}/web.env:3`, // "whsec_${WEBHOOK_SUFFIX:-test}"
            `Compose service web container-no-plaintext-secrets ${dir}/web.env:4`, // a literal in the env file
        ].sort(), "web's read_only, privileged, cap_drop, cap_add, pids_limit, user and security_opt resolve to hardened values; the worker's privileged is not known");
        const message = (line: number) => report.findings.find(f => f.file === compose && f.line === line)!.message;
        assert.match(message(13), /^Compose service web: ports\[0\] is "80:8080", which publishes the host's privileged port 80/);
        assert.match(message(17), /^Compose service web: environment\.DB_PASSWORD sets DB_PASSWORD from an environment variable \(its name marks it as a secret\)\./);
        assert.match(message(17), /\nFix: mount it as a Compose secret: declare it at the top level \(secrets: \{ db-password: \{ environment: DB_PASSWORD \} \}\)/);
        assert.match(message(19), /^Compose service web: environment\.STRIPE_API_KEY sets STRIPE_API_KEY from \.env \(its value is a Stripe secret key\)\./);
        assert.doesNotMatch(stdout, /sk_live|whsec_test|change-me/, "never a value");
        assert.deepStrictEqual(report.errors.map(e => `${e.file}:${e.line} ${e.message}`), [
            `${compose}:22 services.worker.image: required variable WORKER_TAG is missing a value (set WORKER_TAG to the release to deploy), so docker compose refuses the file (to scan with a value, set it in .env or an --env-file); the scan takes the value as not known`,
        ]);
    });

    it("points an env_file finding at the env file's line, naming the file as the Compose file does", () => {
        const { report } = scan(dir);
        const inEnvFile = report.findings.filter(f => f.file === `${dir}/web.env`).map(f => f.message.split("\n")[0]);
        assert.deepStrictEqual(inEnvFile, [
            "Compose service web: env_file web.env line 3 sets PAYMENTS_WEBHOOK_SECRET from an environment variable (its name marks it as a secret).",
            "Compose service web: env_file web.env line 4 sets SMTP_PASSWORD to a literal secret (its name marks it as a secret).",
        ]);
    });

    it("takes --env-file instead of .env, the later file overriding, and its errors are usage errors", () => {
        const { code, report } = scan(dir, "--env-file", `${dir}/ci.env`);
        assert.strictEqual(code, 1, "WORKER_TAG set: no input error");
        assert.deepStrictEqual(report.errors, []);
        const found = where(report);
        assert.ok(found.includes(`Compose service worker container-no-privileged ${compose}:25`), "WORKER_PRIVILEGED=yes is true, as compose-go casts it");
        assert.ok(!found.some(f => f.includes(":13")), ".env, and its WEB_PORT, is not read");
        assert.match(report.findings.find(f => f.line === 19)!.message, /sets STRIPE_API_KEY from an environment variable \(its name marks it as a secret\)/);
        const overridden = scan(dir, "--env-file", `${dir}/ci.env`, "--env-file", `${dir}/.env`);
        assert.ok(where(overridden.report).includes(`Compose service web container-no-host-ports ${compose}:13`));
        assert.match(overridden.report.findings.find(f => f.line === 19)!.message, new RegExp(`from ${dir}/\\.env \\(its value is a Stripe secret key\\)`), "named as given");
        const missing = scan(dir, "--env-file", `${dir}/missing.env`);
        assert.strictEqual(missing.code, 2);
        assert.strictEqual(missing.stdout, "", "no report: a usage error");
        assert.match(missing.stderr, /^container-guard: --env-file test\/fixtures\/scan\/interpolation\/missing\.env: /);
    });

    it("never reads the scanner's own environment: the same verdicts with the variables set, and none of their values in the report", () => {
        const bin = JSON.parse(require("fs").readFileSync("package.json", "utf8")).bin["container-guard"];
        const secrets = { STRIPE_API_KEY: "sk_live_51ScannerOwnKey000000000", DB_PASSWORD: "runner-db-password", DEBUG_PRIVILEGED: "false", WORKER_TAG: "9.9.9", WEB_PORT: "8080", WEBHOOK_SUFFIX: "runner" };
        const run = spawnSync(process.execPath, [bin, "scan", dir, "--format", "json"], { encoding: "utf8", env: { ...process.env, ...secrets } });
        assert.strictEqual(run.status, 2, run.stderr);
        assert.deepStrictEqual(where(JSON.parse(run.stdout)), where(scan(dir).report));
        for (const value of [secrets.STRIPE_API_KEY, secrets.DB_PASSWORD, secrets.WORKER_TAG, "whsec_runner"]) {
            assert.ok(!(run.stdout + run.stderr).includes(value), value);
        }
    });
});
