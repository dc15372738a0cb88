// The Dockerfile scanner (policies/lib/dockerfile/) against dockerfile-ast, the parser it replaced:
// the same Dockerfile objects for every fixture, hand-written corner and generated Dockerfile, except
// where dockerfile-ast reads a Dockerfile differently from BuildKit, each such case listed below.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as fc from "fast-check";
import { Dockerfile, parseDockerfile as parse } from "../policies/lib/dockerfile/lines";
import { differences, parseResult } from "./buildkit-oracle";
import { oracleParse } from "./dockerfile-oracle";
import { goModuleDir } from "./go-module";
import { cpuMs } from "./helpers";

/** Generated Dockerfiles per property; FUZZ_RUNS raises it for a longer soak. */
const runs = Number(process.env.FUZZ_RUNS ?? 150);
const fixtures = path.join(path.resolve(__dirname, "..", ".."), "test", "fixtures", "dockerfiles");

const agrees = (text: string) => assert.deepStrictEqual(parse(text), oracleParse(text), JSON.stringify(text));

describe("Dockerfile scanner: the same objects as dockerfile-ast", () => {
    for (const name of fs.readdirSync(fixtures)) {
        const text = fs.readFileSync(path.join(fixtures, name), "utf8");
        it(`fixture ${name}, with LF and CRLF line endings`, () => {
            agrees(text);
            agrees(text.split("\n").join("\r\n"));
        });
    }

    const corners: Record<string, string> = {
        "empty file": "",
        "only comments": "# one\n#two\n   # three\n",
        "only a BOM": "\ufeff",
        "BOM before a directive": "\ufeff# syntax=docker/dockerfile:1\nFROM alpine\n",
        "syntax directive, any case and spacing": "#  SyNtAx =  docker/dockerfile:1.7-labs\nFROM alpine\n",
        "directives end at a blank line": "# escape=`\n\n# syntax=x\nFROM alpine\nRUN a `\n  b\n",
        "directives end at a comment": "# a comment\n# syntax=docker/dockerfile:1\nFROM alpine\n",
        "escape directive, then syntax": "# escape=`\n# syntax=docker/dockerfile:1\nFROM alpine\nRUN echo `\n  hi\n",
        "invalid escape directive": "# escape=x\nFROM alpine\nRUN a \\\n  b\n",
        "keywords in any case": "from alpine As base\nrUn echo hi\nCoPy --FROM=base / /\nenv A=1\narg B\n",
        "FROM with no image": "FROM\nRUN x\n",
        "FROM with flags only": "FROM --platform=linux/amd64\n",
        "FROM with platform, image and name": "FROM --platform=$BUILDPLATFORM golang:1.22 AS build\nFROM scratch\n",
        "stage name in lower case": "FROM golang as build\nFROM alpine\nCOPY --from=build /a /a\n",
        "FROM with an escaped variable": "FROM \\$BASE\nFROM a\\lpine\n",
        "FROM continued mid-word": "FROM gol\\\nang:1.22 \\\n  AS \\\n  build\n",
        "instructions before FROM": "RUN echo early\nCOPY --from=x / /\nENV A=1\nARG B=2\nFROM alpine\n",
        "flags without values": "FROM alpine\nCOPY --from /a /b\nCOPY --from= /a /b\nRUN --mount echo\nRUN --mount= echo\nRUN --network echo\n",
        "flags only": "FROM alpine\nRUN --mount=type=cache,target=/x\nCOPY --link\n",
        "COPY with several flags": "FROM a AS b\nFROM c\nCOPY --link --chown=1:1 --from=b /x /y\nCOPY --from=0 /x /y\n",
        "RUN mount options": "FROM a AS b\nFROM c\nRUN --mount=type=cache,target=/x --mount=type=bind,from=b,source=/s,target=/t make\nRUN --mount=from=,type=bind x\nRUN --mount=type=bind,from x\n",
        "RUN flags continued": "FROM a\nRUN --mount=type=cache,target=/root/.cache \\\n    --network=none \\\n    go build ./...\n",
        "-- ends the flags": "FROM a\nRUN -- echo hi\nRUN --network=none -- echo --mount=x\n",
        "RUN exec form": 'FROM a\nRUN ["apt-get", "install", "-y", "gcc"]\nRUN [ "sh", \\\n  "-c", "make" ]\nRUN ["not", json\nRUN [1, 2]\n',
        "RUN continuations with comments": "FROM a\nRUN apt-get install \\\n# the compiler\n    gcc \\\n\n    make \\  \n  && echo done\n",
        "continuation at the end of the file": "FROM a\nRUN echo \\",
        "continuation then only comments": "FROM a\nRUN echo \\\n# c\n# d\n",
        "continued keyword": "FR\\\nOM alpine\nRU\\\nN echo hi\n",
        "keyword alone then continued": "FROM a\nRUN \\\n  echo hi\nENV \\\n  A=1\n",
        "heredoc": "FROM a\nRUN <<EOF\napt-get update\napt-get install -y gcc\nEOF\nRUN after\n",
        "heredoc, chomped": "FROM a\nRUN <<-EOF\n\tapt-get install -y gcc\n\tEOF\nRUN after\n",
        "heredoc, quoted names": "FROM a\nRUN <<\"EOF\" bash\necho $HOME\nEOF\nCOPY <<'END' /dst\ntext\nEND\nRUN after\n",
        "two heredocs on a line": "FROM a\nRUN <<ONE <<TWO\nfirst\nONE\nsecond\nTWO\nRUN after\n",
        "heredoc after flags and continuation": "FROM a\nRUN --mount=type=cache,target=/x \\\n  <<EOF  \nmake \\\n  all\n# kept\nEOF\n",
        "COPY heredoc": "FROM a\nCOPY <<EOF /etc/notes\napt-get install gcc\nEOF\nRUN after\n",
        "ADD and ONBUILD heredocs": "FROM a\nADD <<EOF /x\nRUN inside\nEOF\nONBUILD RUN <<EOF\nRUN inside\nEOF\nRUN after\n",
        "unterminated heredoc": "FROM a\nRUN <<EOF\napt-get install gcc\n\n",
        "heredoc terminator with trailing blank": "FROM a\nRUN <<EOF\nx\nEOF \nEOF\nRUN after\n",
        "heredoc terminator indented without chomp": "FROM a\nRUN <<EOF\nx\n\tEOF\nEOF\nRUN after\n",
        "here-string is not a heredoc": "FROM a\nRUN cat <<<word\nRUN after\n",
        "heredoc in exec form is not one": 'FROM a\nRUN ["cat", "<<EOF"]\nRUN after\n',
        "ENV forms": 'ENV A=1 B="x y" C=\'a b\' D=x\\ y E= F=""\nENV LEGACY some long value\nENV ONLY\n',
        "ENV with escapes and variables": 'FROM a\nENV A="a\\"b" B=\\$HOME C=${X:-d} D="${A}/b c" E=a\\\\b\n',
        "ENV continued": 'FROM a\nENV A=1 \\\n    B="two \\\n    words" \\\n# comment\n    C=3\n',
        "ENV value continued mid-word": "FROM a\nENV A=ab\\\ncd B=x\n",
        "ENV legacy continued": "FROM a\nENV A some \\\n  long \\\n  value\n",
        "ARG forms": "ARG A\nARG B=1\nARG C=1 D=2\nARG E=\nARG F=\"quoted\"\nFROM a\nARG G=3\n",
        "quoted names": 'ENV "A"=1 \'B\'=2\nENV "C=3"\n',
        "backtick escape": "# escape=`\nFROM a\nENV A=x`y B=c:\\path C=\"a`\"b\"\nRUN echo `\n  hi\nCOPY --from=b`\nuild / /\n",
        "CRLF line endings": "FROM a AS b\r\nRUN echo \\\r\n  hi\r\nENV A=\"x \\\r\n  y\"\r\nRUN <<EOF\r\nmake\r\nEOF\r\n",
        "unicode": "FROM alpine\nENV GREETING=\"héllo wörld\" EMOJI=🐳\nRUN echo 日本語 && echo ✓\nLABEL é=1\n",
        "a 100 KB single line": `FROM alpine\nRUN echo ${"x".repeat(100_000)}\nENV A=${"y".repeat(100_000)}\n`,
        "unknown instructions": "FROM a\nFOO bar\nMAINTAINER me\nHEALTHCHECK CMD x\n",
        "USER forms": "USER early\nFROM a\nUSER app\nuser ${APP_UID}:${APP_GID}\nUSER \\\n  10001:10001\nUSER\nUSER \"quoted name\"\nONBUILD USER nobody\n",
    };
    for (const [name, text] of Object.entries(corners)) {
        it(name, () => agrees(text));
    }
});

/**
 * Where dockerfile-ast reads a Dockerfile differently from BuildKit (checked against BuildKit's own
 * parser, moby/buildkit frontend/dockerfile/parser and instructions), the scanner reads it as BuildKit
 * does. Each case gives the fields that then differ from dockerfile-ast's result; all others must agree.
 */
const buildkitReadings: Array<[name: string, text: string, buildkit: Partial<Dockerfile>]> = [
    // BuildKit: the frontend's `# syntax` must start its line (DetectSyntax doesn't trim it; Parse does, for escape).
    ["indented syntax directive", "  # syntax=example/frontend\nFROM alpine\n", { syntax: undefined }],
    // BuildKit: a `#!` first line is skipped before the syntax directive.
    ["syntax after a shebang", "#!/usr/bin/env buildctl\n# syntax=example/frontend\nFROM alpine\n", { syntax: { value: "example/frontend", line: 2 } }],
    // BuildKit: `// syntax=` also chooses the frontend.
    ["syntax in a // comment", "// syntax=example/frontend\nFROM alpine\n", { syntax: { value: "example/frontend", line: 1 } }],
    // BuildKit: so does a JSON file's "syntax" key.
    ["syntax of a JSON file", "{ \"syntax\": \"example/frontend\", \"steps\": [] }\n", { syntax: { value: "example/frontend", line: 1 } }],
    // BuildKit: a directive of unknown name ends the directives.
    ["unknown directive first", "# foo=bar\n# syntax=example/frontend\nFROM alpine\n", { syntax: undefined }],
    // BuildKit: blanks after a directive's value are trimmed, and the directives go on.
    ["blank after a directive", "# syntax=docker/dockerfile:1 \n# escape=`\nFROM a\nRUN x `\n  y\n", { escape: "`", stages: [{ index: 0, name: undefined, line: 3, from: "a", takes: [], runs: [{ line: 4, script: "x   y", argv: undefined }], users: [] }] }],
    // BuildKit: a directive needs a value.
    ["empty syntax directive", "# syntax=\nFROM a\n", { syntax: undefined }],
    // BuildKit: the frontend is the syntax value up to its first space (a tab doesn't end it).
    ["tab in the syntax value", "# syntax=docker/dockerfile:1\tx\nFROM a\n", { syntax: { value: "docker/dockerfile:1\tx", line: 1 } }],
    // BuildKit: a line of only the escape character continues onto the next one, which the instruction then starts on.
    ["line of only the escape character", "\\\nFROM alpine\n\\\n\n  RUN echo hi\n", { stages: [{ index: 0, name: undefined, line: 1, from: "alpine", takes: [], runs: [{ line: 3, script: "echo hi", argv: undefined }], users: [] }] }],
    // BuildKit: an escaped escape character at the end of a line doesn't continue it.
    ["escaped escape character at the end of a line", "FROM a\nRUN echo a\\\\\nRUN echo b\n", { stages: [{ index: 0, name: undefined, line: 1, from: "a", takes: [], runs: [{ line: 2, script: "echo a\\\\", argv: undefined }, { line: 3, script: "echo b", argv: undefined }], users: [] }] }],
    // BuildKit: only a line feed ends a line; a lone carriage return separates words.
    ["lone carriage return", "ENV A=1\rB=2\nFROM a\rAS\rb\n", { stages: [{ index: 0, name: "b", line: 2, from: "a", takes: [], runs: [], users: [] }], variables: [{ keyword: "ENV", name: "A", value: "1", line: 1 }, { keyword: "ENV", name: "B", value: "2", line: 1 }] }],
    // BuildKit: lines are trimmed of any Unicode space, words split on them.
    ["Unicode spaces", " FROM alpine\nENV A=1 B=2\n", { stages: [{ index: 0, name: undefined, line: 1, from: "alpine", takes: [], runs: [], users: [] }], variables: [{ keyword: "ENV", name: "A", value: "1", line: 2 }, { keyword: "ENV", name: "B", value: "2", line: 2 }] }],
    // BuildKit: vertical tab and form feed separate words too.
    ["vertical tab", "FROM alpine\u000bAS\fbuild\n", { stages: [{ index: 0, name: "build", line: 1, from: "alpine", takes: [], runs: [], users: [] }] }],
    // BuildKit: a comment line inside a continued instruction is dropped, indented or not.
    ["indented comment in a continued RUN", "FROM a\nRUN apt-get install \\\n  # the compiler\n  gcc\n", { stages: [{ index: 0, name: undefined, line: 1, from: "a", takes: [], runs: [{ line: 2, script: "apt-get install   gcc", argv: undefined }], users: [] }] }],
    // BuildKit: so is a line of blanks.
    ["line of blanks in a continued RUN", "FROM a\nRUN apt-get install \\\n   \n  gcc\n", { stages: [{ index: 0, name: undefined, line: 1, from: "a", takes: [], runs: [{ line: 2, script: "apt-get install   gcc", argv: undefined }], users: [] }] }],
    // BuildKit: a one-character line followed by a continuation is kept.
    ["one-character continued line", "FROM a\nRUN a \\\nb\\\n  c\n", { stages: [{ index: 0, name: undefined, line: 1, from: "a", takes: [], runs: [{ line: 2, script: "a b  c", argv: undefined }], users: [] }] }],
    // BuildKit: an escaped character ending a continued RUN is kept.
    ["escaped character at the end of a continued RUN", "FROM a\nRUN echo a \\\n  b\\$\n", { stages: [{ index: 0, name: undefined, line: 1, from: "a", takes: [], runs: [{ line: 2, script: "echo a   b\\$", argv: undefined }], users: [] }] }],
    // BuildKit: a comment line right after a continued keyword is dropped too.
    ["comment after a continued keyword", "FROM a\nRUN\\\n# comment\n  echo hi\n", { stages: [{ index: 0, name: undefined, line: 1, from: "a", takes: [], runs: [{ line: 2, script: "echo hi", argv: undefined }], users: [] }] }],
    // BuildKit: flags are the leading words that start with `--`; a word with `--` inside ends them.
    ["word with -- before a flag", "FROM a AS b\nFROM c\nRUN make--j --mount=from=b,target=/x\n", { stages: [{ index: 0, name: "b", line: 1, from: "a", takes: [], runs: [], users: [] }, { index: 1, name: undefined, line: 2, from: "c", takes: [], runs: [{ line: 3, script: "make--j --mount=from=b,target=/x", argv: undefined }], users: [] }] }],
    // BuildKit: a word `--` ends the flags; the words after it are arguments, `--` or not.
    ["flag-like word after --", "FROM a\nRUN --network=none -- --help\n", { stages: [{ index: 0, name: undefined, line: 1, from: "a", takes: [], runs: [{ line: 2, script: "--help", argv: undefined }], users: [] }] }],
    // BuildKit: quotes in a flag are removed.
    ["quoted flag value", "FROM a AS build\nFROM c\nCOPY --from=\"build\" / /\nRUN --mount=\"type=bind,from=build,target=/x\" make\n", { stages: [{ index: 0, name: "build", line: 1, from: "a", takes: [], runs: [], users: [] }, { index: 1, name: undefined, line: 2, from: "c", takes: [{ from: "build", line: 3 }, { from: "build", line: 4 }], runs: [{ line: 4, script: "make", argv: undefined }], users: [] }] }],
    // BuildKit: mount option keys are read in any case.
    ["mount option key in upper case", "FROM a AS b\nFROM c\nRUN --mount=type=bind,FROM=b make\n", { stages: [{ index: 0, name: "b", line: 1, from: "a", takes: [], runs: [], users: [] }, { index: 1, name: undefined, line: 2, from: "c", takes: [{ from: "b", line: 3 }], runs: [{ line: 3, script: "make", argv: undefined }], users: [] }] }],
    // BuildKit: the last `from` of a mount wins.
    ["mount with two froms", "FROM a AS b\nFROM c\nRUN --mount=from=a,from=b make\n", { stages: [{ index: 0, name: "b", line: 1, from: "a", takes: [], runs: [], users: [] }, { index: 1, name: undefined, line: 2, from: "c", takes: [{ from: "b", line: 3 }], runs: [{ line: 3, script: "make", argv: undefined }], users: [] }] }],
    // BuildKit: an escaped quote in ENV and ARG is a character, not the start of a quoted string.
    ["escaped quote in ENV", "ENV A=x\\\"y B=1\n", { variables: [{ keyword: "ENV", name: "A", value: "x\\\"y", line: 1 }, { keyword: "ENV", name: "B", value: "1", line: 1 }] }],
    // BuildKit: in single quotes the escape character is a character.
    ["escape character before a closing single quote", "ENV A='x\\' B=1\n", { variables: [{ keyword: "ENV", name: "A", value: "'x\\'", line: 1 }, { keyword: "ENV", name: "B", value: "1", line: 1 }] }],
    // BuildKit: every ARG word is one ARG (only ENV has the `NAME value` form).
    ["ARG with several names", "ARG A B\nARG C D=1\nFROM a\n", { globalArgs: [{ name: "A", value: undefined }, { name: "B", value: undefined }, { name: "C", value: undefined }, { name: "D", value: "1" }], variables: [{ keyword: "ARG", name: "A", value: undefined, line: 1 }, { keyword: "ARG", name: "B", value: undefined, line: 1 }, { keyword: "ARG", name: "C", value: undefined, line: 2 }, { keyword: "ARG", name: "D", value: "1", line: 2 }] }],
    // BuildKit: blanks may follow `<<`.
    ["heredoc marker with a space", "FROM a\nRUN cat << EOF\nRUN inside\nEOF\n", { stages: [{ index: 0, name: undefined, line: 1, from: "a", takes: [], runs: [{ line: 2, script: "cat << EOF\nRUN inside\nEOF", argv: undefined }], users: [] }] }],
    // BuildKit: a file descriptor may come before `<<`.
    ["heredoc with a file descriptor", "FROM a\nRUN cat 3<<EOF\nRUN inside\nEOF\n", { stages: [{ index: 0, name: undefined, line: 1, from: "a", takes: [], runs: [{ line: 2, script: "cat 3<<EOF\nRUN inside\nEOF", argv: undefined }], users: [] }] }],
    // BuildKit: a quoted `<<` is no heredoc.
    ["quoted heredoc marker", "FROM a\nRUN echo \"a <<EOF\"\nRUN after\n", { stages: [{ index: 0, name: undefined, line: 1, from: "a", takes: [], runs: [{ line: 2, script: "echo \"a <<EOF\"", argv: undefined }, { line: 3, script: "after", argv: undefined }], users: [] }] }],
    // BuildKit: an exec-form RUN has no heredocs.
    ["heredoc marker in exec form", "FROM a\nRUN [\"sh\", \"-c\", \"cat <<EOF\"]\nRUN after\n", { stages: [{ index: 0, name: undefined, line: 1, from: "a", takes: [], runs: [{ line: 2, script: "[\"sh\", \"-c\", \"cat <<EOF\"]", argv: ["sh", "-c", "cat <<EOF"] }, { line: 3, script: "after", argv: undefined }], users: [] }] }],
    // BuildKit: a line whose quotes don't close opens no heredoc (its lexer fails).
    ["unclosed quote before a heredoc marker", "FROM a\nRUN echo it's <<EOF\nRUN after\nEOF\n", { stages: [{ index: 0, name: undefined, line: 1, from: "a", takes: [], runs: [{ line: 2, script: "echo it's <<EOF", argv: undefined }, { line: 3, script: "after", argv: undefined }], users: [] }] }],
    // BuildKit: `<<-` strips tabs before its own terminator only.
    ["chomped and plain heredocs on a line", "FROM a\nRUN <<-A <<B\n\tA\n\tB\nB\nRUN after\n", { stages: [{ index: 0, name: undefined, line: 1, from: "a", takes: [], runs: [{ line: 2, script: "<<-A <<B\n\tA\n\tB\nB", argv: undefined }, { line: 6, script: "after", argv: undefined }], users: [] }] }],
    // BuildKit: `<<-` with no word, or `<<""`, opens no heredoc.
    ["heredoc marker without a name", "FROM a\nRUN cat <<-\nRUN after\nRUN cat <<\"\"\nRUN last\n", { stages: [{ index: 0, name: undefined, line: 1, from: "a", takes: [], runs: [{ line: 2, script: "cat <<-", argv: undefined }, { line: 3, script: "after", argv: undefined }, { line: 4, script: "cat <<\"\"", argv: undefined }, { line: 5, script: "last", argv: undefined }], users: [] }] }],
    // BuildKit: quotes inside the heredoc word are removed from the terminator's name.
    ["quotes inside a heredoc name", "FROM a\nRUN <<E\"O\"F\nx\nEOF\nRUN after\n", { stages: [{ index: 0, name: undefined, line: 1, from: "a", takes: [], runs: [{ line: 2, script: "<<E\"O\"F\nx\nEOF", argv: undefined }, { line: 5, script: "after", argv: undefined }], users: [] }] }],
    // BuildKit: a stage name continued mid-word is joined.
    ["stage name continued mid-word", "FROM a AS bu\\\nild\n", { stages: [{ index: 0, name: "build", line: 1, from: "a", takes: [], runs: [], users: [] }] }],
];

describe("Dockerfile scanner: BuildKit's reading where dockerfile-ast's differs", () => {
    for (const [name, text, buildkit] of buildkitReadings) {
        it(name, () => {
            const scanned = parse(text);
            assert.deepStrictEqual(scanned, { ...oracleParse(text), ...buildkit });
            assert.notDeepStrictEqual(scanned, oracleParse(text), "dockerfile-ast now reads this as BuildKit does: make it a corner case");
        });
    }
});

/**
 * BuildKit's own parser test cases, where the scanner reads a construct differently on purpose:
 * ENV and ARG values are given in dockerfile-ast's form (Property.getUnescapedValue), which drops
 * the blanks that start a continued line where BuildKit keeps them. That form is what the secrets
 * rule judges and was written against (the dockerfile-ast oracle above); a value's blanks don't
 * make it more or less a secret.
 */
const buildkitDifferences: Record<string, string[]> = {
    docker: ['ENV DOCKER_CROSSPLATFORMS: scanner ["DOCKER_CROSSPLATFORMS","linux/386 linux/arm darwin/amd64 darwin/386 freebsd/amd64 freebsd/386 freebsd/arm"], BuildKit ["DOCKER_CROSSPLATFORMS","linux/386 linux/arm \\tdarwin/amd64 darwin/386 \\tfreebsd/amd64 freebsd/386 freebsd/arm"]'],
    env: ['ENV name2: scanner ["name2","\\"value2a value2b\\""], BuildKit ["name2","\\"value2a            value2b\\""]'],
    "trailing-backslash": ['ENV F: scanner ["F","helloworld"], BuildKit ["F","hello world"]'],
};

describe("Dockerfile scanner: BuildKit's parser test cases (github.com/moby/buildkit v0.34.2, frontend/dockerfile/parser/testfiles)", () => {
    let cases: Array<{ name: string; dockerfile: string; result: string }> = [];
    before(function () {
        this.timeout(300_000); // a first download of the module
        const dir = path.join(goModuleDir("github.com/moby/buildkit", "v0.34.2"), "frontend", "dockerfile", "parser", "testfiles");
        cases = fs.readdirSync(dir).sort().map(name => ({
            name,
            dockerfile: fs.readFileSync(path.join(dir, name, "Dockerfile"), "utf8"),
            result: fs.readFileSync(path.join(dir, name, "result"), "utf8"),
        }));
    });

    it("reads FROM, RUN, COPY --from, RUN --mount, USER, ENV and ARG as BuildKit's parser does, but where listed", () => {
        assert.ok(cases.length >= 30, `${cases.length} cases`);
        let agreeing = 0;
        for (const { name, dockerfile, result } of cases) {
            const found = differences(parse(dockerfile), parseResult(result));
            assert.deepStrictEqual(found, buildkitDifferences[name] ?? [], name);
            agreeing += found.length === 0 ? 1 : 0;
        }
        assert.deepStrictEqual(Object.keys(buildkitDifferences).filter(name => !cases.some(c => c.name === name)), [], "every listed case exists");
        console.log(`      BuildKit parser agreement: ${agreeing}/${cases.length}`);
    });

    it("compares what it claims to: a scanner that misread a construct would disagree", () => {
        const [first] = cases.filter(c => c.name === "env");
        const wrong = { ...parse(first.dockerfile) };
        wrong.variables = wrong.variables.map((variable, i) => (i === 0 ? { ...variable, value: "other" } : variable));
        assert.deepStrictEqual(differences(wrong, parseResult(first.result)).slice(0, 1), ['ENV name: scanner ["name","other"], BuildKit ["name","value"]']);
        const stages = parse("FROM a AS b\nCOPY --from=x / /\nRUN --mount=from=y,target=/t make\nUSER app\n");
        assert.deepStrictEqual(differences(stages, parseResult('(from "a" "AS" "c")\n(copy ["--from=z"] "/" "/")\n(run ["--mount=from=y,target=/t"] "make all")\n(user "root")\n')), [
            'stage 0 name: scanner "b", BuildKit "c"',
            'stage 0 RUN: scanner [["make"]], BuildKit [["make all"]]',
            'stage 0 takes from: scanner ["x","y"], BuildKit ["z","y"]',
            'stage 0 USER: scanner ["app"], BuildKit ["root"]',
        ]);
    });
});

// ---------------------------------------------------------------------------------------------
// Generated Dockerfiles

/** Stands for the escape character until a file is rendered with the one its directive chooses. */
const E = "\ue000";

/** A keyword in random case: BuildKit reads keywords in any case. */
const keyword = (word: string) =>
    fc.array(fc.boolean(), { minLength: word.length, maxLength: word.length }).map(upper => [...word].map((c, i) => (upper[i] ? c.toUpperCase() : c.toLowerCase())).join(""));

/**
 * Lines a continuation may skip before its next line. After the keyword, none but empty ones: a
 * comment there is read as arguments by dockerfile-ast. In RUN, no indented comments nor lines of
 * blanks: BuildKit skips them, dockerfile-ast keeps them in RUN's text (both in buildkitReadings).
 */
type Skippable = "afterKeyword" | "inRun" | "anywhere";
const skippableLines: Record<Skippable, string[]> = {
    afterKeyword: [""],
    inRun: ["", "# a comment, with = and -- in it"],
    anywhere: ["", "# a comment, with = and -- in it", "  # indented", "   "],
};

/** What separates two words: blanks, or a line continuation with blanks after the escape and skipped lines before the next line. */
const separator = (skippable: Skippable) =>
    fc.oneof(
        fc.constantFrom(" ", "  ", "\t"),
        fc
            .record({
                before: fc.constantFrom(" ", "\t", ""),
                after: fc.constantFrom("", " ", "\t "),
                skipped: fc.array(fc.constantFrom(...skippableLines[skippable]), { maxLength: 2 }),
                indent: fc.constantFrom("  ", "    ", "\t"),
            })
            .map(({ before, after, skipped, indent }) => `${before}${E}${after}\n${skipped.map(line => `${line}\n`).join("")}${indent}`),
    );

/**
 * A word, sometimes continued mid-word onto the next line (at least two characters each side).
 * Not words with escapes, quotes or blanks: a split there could end a line in an escaped escape
 * character, which BuildKit doesn't read as a continuation and dockerfile-ast does (see buildkitReadings).
 */
const splittable = (word: string) =>
    word.length < 4 || [E, " ", '"', "'"].some(c => word.includes(c))
        ? fc.constant(word)
        : fc.option(fc.integer({ min: 2, max: word.length - 2 }), { nil: undefined }).map(at => (at === undefined ? word : `${word.slice(0, at)}${E}\n${word.slice(at)}`));

/** An instruction: its words, separated by blanks or continuations. */
const instruction = (words: fc.Arbitrary<string[]>, inRun = false) =>
    words.chain(list =>
        fc
            .tuple(...list.slice(1).map((_, i) => separator(i === 0 ? "afterKeyword" : inRun ? "inRun" : "anywhere")))
            .map(separators => list.map((word, i) => (i === 0 ? word : separators[i - 1] + word)).join("")),
    );

const some = <T>(arbitrary: fc.Arbitrary<T>, max: number, min = 0) => fc.array(arbitrary, { minLength: min, maxLength: max });
const words = (...list: string[]) => fc.constantFrom(...list).chain(splittable);
const variableName = fc.constantFrom("A", "GO_VERSION", "RELEASE", "http_proxy", "DB_PASSWORD", "_X1");
const assignedValue = fc.constantFrom(
    "1.22", "r0", "", '"x y"', "'a b'", `"a${E}"b"`, `x${E} y`, "$HOME/bin", "${A:-d}", '"${A}/b c"', `${E}$x`, `c:${E}${E}path`,
    `"multi ${E}\n    line"`, `"multi ${E}\n# note\n  line"`, "'single $quote'", "hunter2hunter2",
);

const from = instruction(
    fc.tuple(keyword("FROM"), some(words("--platform=$BUILDPLATFORM", "--platform=linux/amd64"), 1), words("alpine:3.20", "golang:${GO_VERSION}", "${BASE}", "build", "gcr.io/distroless/static-debian12", "scratch", "node:20@sha256:0123abcd", "$REGISTRY/app"), fc.option(fc.tuple(keyword("AS"), fc.constantFrom("build", "base", "deps", "Runtime")), { nil: undefined }))
        .map(([k, flags, image, as]) => [k, ...flags, image, ...(as ?? [])]),
);
const copy = instruction(
    fc.tuple(keyword("COPY"), some(words("--from=build", "--from=0", "--link", "--chown=1000:1000", "--from=${STAGE}", "--chmod=755"), 3), some(words("src/", "go.mod", "package*.json", "/out/app"), 2, 1), words("/app/", "./"))
        .map(([k, flags, sources, destination]) => [k, ...flags, ...sources, destination]),
);
const runFlags = some(words("--mount=type=cache,target=/root/.cache", "--mount=type=cache,from=build,target=/x", "--mount=type=bind,from=deps,source=/a,target=/b", "--network=none", "--mount=type=secret,id=npm", "--security=insecure"), 2);
const shellWords = some(words("apt-get", "install", "-y", "gcc", "build-essential", "&&", "make", "echo", "'a b'", '"x y"', "$HOME", "|", ";", "2>/dev/null", `a${E} b`, `${E}$X`, "--no-install-recommends"), 6, 1);
// After `--`, a word that isn't a flag: dockerfile-ast takes `--` words there for flags too (see buildkitReadings).
const runShell = instruction(
    fc.tuple(keyword("RUN"), runFlags, fc.constantFrom([], [], ["--", "echo"]), shellWords).map(([k, flags, dashes, script]) => [k, ...flags, ...dashes, ...script]),
    true,
);
const runExec = instruction(
    fc.tuple(keyword("RUN"), runFlags, fc.constantFrom(['["sh",', '"-c",', '"make all"]'], ['["apt-get",', '"install",', '"gcc"]'], ["[", '"true"', "]"])).map(([k, flags, argv]) => [k, ...flags, ...argv]),
    true,
);

/** A heredoc: its marker and its body lines, terminator included. */
const heredoc = (name: string, chomp: boolean) =>
    fc
        .record({
            quote: fc.constantFrom("", '"', "'"),
            body: some(fc.constantFrom("set -eux", "apt-get update", "apt-get install -y gcc make", 'echo "$HOME"', "# a comment in the script", "", `make ${E}\n    all`, "  indented"), 4),
            tabs: fc.constantFrom("", "\t", "\t\t"),
        })
        .map(({ quote, body, tabs }) => ({
            // A blank after the marker: an escape character glued to it, where the escape directive came too late to count, would be part of the name.
            marker: `<<${chomp ? "-" : ""}${quote}${name}${quote} `,
            lines: [...body.map(line => (chomp ? tabs + line : line)), chomp ? tabs + name : name],
        }));
const heredocs = fc.tuple(fc.boolean(), fc.integer({ min: 1, max: 2 })).chain(([chomp, count]) => fc.tuple(...["EOF", "END"].slice(0, count).map(name => heredoc(name, chomp))));
const runHeredoc = fc
    .tuple(keyword("RUN"), runFlags, heredocs, some(words("bash", "python3", "-"), 1), fc.constantFrom("", " ", "  "))
    .chain(([k, flags, docs, rest, trailing]) => instruction(fc.constant([k, ...flags, ...docs.map(doc => doc.marker), ...rest]), true).map(line => [line + trailing, ...docs.flatMap(doc => doc.lines)].join("\n")));
const copyHeredoc = fc
    .tuple(fc.constantFrom(["COPY"], ["ADD"], ["ONBUILD", "COPY"]).chain(list => fc.tuple(...list.map(keyword))), heredocs)
    .chain(([k, docs]) => instruction(fc.constant([...k, ...docs.map(doc => doc.marker), "/dst"])).map(line => [line, ...docs.flatMap(doc => doc.lines)].join("\n")));

const env = fc.oneof(
    instruction(fc.tuple(keyword("ENV"), some(fc.tuple(variableName, assignedValue).map(([name, value]) => `${name}=${value}`), 3, 1)).map(([k, assignments]) => [k, ...assignments])),
    // The legacy form: ENV NAME value words.
    instruction(fc.tuple(keyword("ENV"), variableName, some(words("some", "value", '"quoted words"', `a${E} b`, "$HOME"), 3, 1)).map(([k, name, value]) => [k, name, ...value])),
);
// Several ARG words only after a NAME=default: BuildKit reads `ARG A B` as two ARGs, dockerfile-ast as ENV's legacy form (see buildkitReadings).
const arg = instruction(
    fc
        .tuple(keyword("ARG"), variableName, fc.option(fc.constantFrom("1", "3.20", '"quoted"', "${OTHER}", "", `a${E} b`), { nil: undefined }), some(fc.tuple(variableName, fc.option(fc.constantFrom("2", "'x'"), { nil: undefined })), 2))
        .map(([k, name, value, more]) => [k, value === undefined ? name : `${name}=${value}`, ...(value === undefined ? [] : more.map(([n, v]) => (v === undefined ? n : `${n}=${v}`)))]),
);
const other = fc.constantFrom<string[]>(["WORKDIR", "/app"], ["USER", "1000"], ["CMD", '["node",', '"index.js"]'], ["LABEL", "a=b"], ["EXPOSE", "80"], ["ONBUILD", "RUN", "echo", "hi"], ["HEALTHCHECK", "CMD", "true"], ["ADD", "a.tar", "/"]).chain(list => instruction(fc.constant(list)));

/** Lines between instructions (BuildKit skips them) and indentation before one. */
const between = some(fc.constantFrom("", "# comment", "   ", "\t# indented comment", "# syntax=not/a/directive/here"), 2);
const indent = fc.constantFrom("", "", "  ", "\t");

const dockerfileText = fc
    .record({
        escape: fc.constantFrom("\\", "`"),
        syntax: fc.option(fc.constantFrom("# syntax=docker/dockerfile:1", "#syntax=docker/dockerfile:1.7-labs", "# syntax = docker/dockerfile:1", "#  SYNTAX=docker/dockerfile:1"), { nil: undefined }),
        escapeFirst: fc.boolean(),
        escapeDirective: fc.boolean(),
        // A blank or comment line first makes the directives comments: the escape character stays `\`.
        late: fc.constantFrom([], [], [], [""], ["# comment"]),
        body: some(fc.tuple(between, indent, fc.oneof(from, from, copy, runShell, runShell, runExec, runHeredoc, copyHeredoc, env, arg, other)), 8),
        finalNewline: fc.boolean(),
        crlf: fc.boolean(),
        bom: fc.boolean(),
    })
    .map(({ escape, syntax, escapeFirst, escapeDirective, late, body, finalNewline, crlf, bom }) => {
        const escapeLine = escape === "`" || escapeDirective ? [`# escape=${escape}`] : [];
        const directives = escapeFirst ? [...escapeLine, ...(syntax ? [syntax] : [])] : [...(syntax ? [syntax] : []), ...escapeLine];
        const lines = [...late, ...directives, ...body.flatMap(([skipped, indentation, text]) => [...skipped, indentation + text])];
        const text = (bom ? "\ufeff" : "") + lines.join("\n").split(E).join(escape) + (finalNewline ? "\n" : "");
        return crlf ? text.split("\n").join("\r\n") : text;
    });

describe("Dockerfile scanner: generated Dockerfiles", () => {
    it(`reads ${runs} Dockerfiles from a grammar of directives, keywords, flags, continuations, comments, heredocs, ENV and ARG forms and quotes as dockerfile-ast does`, () => {
        fc.assert(fc.property(dockerfileText, agrees), { numRuns: runs });
    });
});

describe("Dockerfile scanner: linear time", () => {
    let sink = 0;
    /** CPU time of ten plain passes over the input, measured here: bounds scale with this machine. */
    function linearPassesMs(input: string): number {
        return cpuMs(() => {
            for (let pass = 0; pass < 10; pass++) {
                for (let i = 0; i < input.length; i++) {
                    sink += input.charCodeAt(i) & 1;
                }
            }
        });
    }
    const size = 100_000;
    const fill = (unit: string, length = size) => unit.repeat(Math.ceil(length / unit.length)).slice(0, length);
    const adversarial: Record<string, string> = {
        "a long line": `FROM a\nRUN ${fill("x")}`,
        "many continuations": `FROM a\nRUN ${fill("a \\\n")}`,
        "lines of only the escape character": `FROM a\nRUN ${fill("\\\n")}`,
        "many escape characters": `FROM a\nENV A=${fill("\\")}`,
        "many continued ENV words": `ENV ${fill("A=b \\\n")}`,
        "a quoted ENV value continued over blank lines": `ENV A="${fill("x \\\n   \n")}"`,
        "many legacy ENV words": `ENV A ${fill("b ")}`,
        "many =": `ENV ${fill("=")}`,
        "many ${": `ENV A=${fill("${")}`,
        "many quotes": `ENV A=${fill("\"'")}\nFROM a\nRUN ${fill("\"'")} <<EOF\nx\n`,
        "an unclosed quote before <<": `FROM a\nRUN ${fill("\"a")}x<<EOF\n`,
        "many << without terminators": `FROM a\nRUN ${fill("<<A ", size / 2)}\n${fill("x\n", size / 2)}`,
        "many terminated <<": `FROM a\nRUN ${fill("<<A ", size / 2)}\n${fill("A\n", size / 2)}`,
        "a long heredoc name": `FROM a\nRUN <<${fill("A", size / 2)}\n${fill("A", size / 2 - 1)}\n`,
        "many flags": `FROM a\nRUN ${fill("--mount=from=a,from=b ")}x`,
        "many comment lines": fill("# c\n"),
        "many directives": fill("# check=x\n"),
        "carriage returns": `FROM a\nRUN a \\${fill("\r")}\nb`,
        "many stages": fill("FROM a AS b\nCOPY --from=b / /\n"),
    };
    it("scans adversarial 100 KB Dockerfiles in time proportional to a linear pass", () => {
        for (const [name, text] of Object.entries(adversarial)) {
            const baseline = linearPassesMs(text);
            const elapsed = cpuMs(() => parse(text));
            // A scan that goes back over what it read takes seconds on 100 KB; a linear one, a few linear passes.
            const bound = Math.max(200, baseline * 100);
            assert.ok(elapsed < bound, `${name}: ${elapsed.toFixed(1)} ms of CPU, bound ${bound.toFixed(1)} ms`);
        }
    });
});
