// One pack process per mocha suite: started before its tests, stopped after them. Kept out of
// harness.ts, which the demo script compiles without mocha.
import { RunningPack } from "./harness";

/** Registers the suite's hooks; `use` receives the started pack. `start` runs in the hook, after outer setup. */
export function startPackForSuite(use: (pack: RunningPack) => void, start: () => Promise<RunningPack> = () => RunningPack.start()): void {
    let pack: RunningPack | undefined;
    before(async () => {
        pack = await start();
        use(pack);
    });
    after(() => pack?.stop());
}
