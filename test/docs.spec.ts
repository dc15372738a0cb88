// The policy reference: committed pages match the generator, every tag names a catalogued control,
// `url` points at the page, and each page's examples really violate (or satisfy) their policy: the
// TypeScript is run as a Pulumi program under mocks and the resources it registers are judged.
import * as assert from "assert";
import { createRequire } from "module";
import { join } from "path";
import * as pulumi from "@pulumi/pulumi";
import * as ts from "typescript";
import { policies } from "../policies";
import { controlTitles } from "../policies/lib/controls";
import { docsUrl } from "../policies/lib/policy";
import { controlsOf, examplesOf, Prose, readProse, renderDocs, repoRoot, staleDocs } from "../scripts/docs";
import { validate } from "./helpers";

describe("policy reference docs", () => {
    it("are what `npm run docs` writes (run it after changing a policy or its .md)", () => {
        assert.deepStrictEqual(staleDocs(renderDocs()), []);
    });

    for (const policy of policies) {
        it(`${policy.name}: tags name catalogued controls, the framework is one of them, url is its page`, () => {
            const controls = controlsOf(policy);
            assert.ok(controls.length > 0, "no control tags");
            assert.ok(
                controls.some(c => c.framework.name === policy.framework?.name && c.reference === policy.framework?.reference),
                `framework ${JSON.stringify(policy.framework)} is not among the tags`,
            );
            assert.strictEqual(policy.url, docsUrl(policy.name));
            assert.ok(policy.url!.endsWith(`docs/policies/${policy.name}.md`), policy.url);
        });
    }

    it("every catalogued control is one some policy implements", () => {
        const used = new Set(policies.flatMap(p => p.tags ?? []));
        assert.deepStrictEqual(Object.keys(controlTitles).filter(tag => !used.has(tag)), []);
    });

    it("url points at GitHub when package.json names a GitHub repository", () => {
        const page = "docs/policies/container-no-privileged.md";
        assert.strictEqual(docsUrl("container-no-privileged", null), page);
        assert.strictEqual(docsUrl("container-no-privileged", "https://gitlab.example.com/ops/guard.git"), page);
        for (const repository of ["https://github.com/acme/container-guard", { type: "git", url: "git+https://github.com/acme/container-guard.git" }]) {
            assert.strictEqual(docsUrl("container-no-privileged", repository), `https://github.com/acme/container-guard/blob/HEAD/${page}`);
        }
        assert.strictEqual(
            docsUrl("container-no-privileged", { url: "https://github.com/acme/policies.git", directory: "packs/container-guard/" }),
            `https://github.com/acme/policies/blob/HEAD/packs/container-guard/${page}`,
        );
    });
});

interface Registered {
    type: string;
    name: string;
    inputs: Record<string, unknown>;
}

const requireFromRepo = createRequire(join(repoRoot, "package.json"));

/** Runs an example program under Pulumi mocks and returns the resources it registers. */
async function registeredBy(source: string): Promise<Registered[]> {
    const registered: Registered[] = [];
    await pulumi.runtime.setMocks(
        {
            newResource: args => {
                registered.push({ type: args.type, name: args.name, inputs: args.inputs });
                return { id: `${args.name}-id`, state: args.inputs };
            },
            call: args => args.inputs,
        },
        "shop",
        "dev",
        true,
    );
    const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } }).outputText;
    const module = { exports: {} };
    new Function("require", "module", "exports", js)(requireFromRepo, module, module.exports);
    // Registration resolves inputs asynchronously: wait until a few turns bring nothing new.
    for (let quiet = 0, seen = -1; quiet < 5; ) {
        await new Promise(resolve => setTimeout(resolve, 10));
        quiet = registered.length === seen ? quiet + 1 : 0;
        seen = registered.length;
    }
    return registered;
}

describe("policy reference examples", function () {
    this.timeout(60_000); // the first example loads @pulumi/kubernetes

    for (const policy of policies) {
        let prose: Prose;
        try {
            prose = readProse(policy.name);
        } catch (e) {
            it(`${policy.name} has reference prose`, () => assert.fail(e as Error));
            continue;
        }
        examplesOf(prose).forEach((example, i) => {
            it(`${policy.name} example ${i + 1} is ${example.expect}`, async () => {
                const resources = await registeredBy(example.source);
                assert.ok(resources.length > 0, "the example registers no resource");
                const messages = resources.flatMap(r => validate(policy, r.type, r.inputs, { name: r.name }));
                if (example.expect === "violating") {
                    // A build the policy could not check reports an object, not a violation message.
                    assert.ok(messages.some(m => typeof m === "string"), `no violation: ${JSON.stringify(messages)}`);
                } else {
                    assert.deepStrictEqual(messages, []);
                }
            });
        });
    }
});
