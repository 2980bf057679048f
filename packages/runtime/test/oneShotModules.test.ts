import { forgetOneShotModules } from "../src/oneShotModules";

const WASM = "/app/node_modules/@prisma/client/runtime/query_compiler_bg.postgresql.wasm-base64.js";
const RUNTIME = "/app/node_modules/@prisma/client/runtime/query_compiler_bg.postgresql.js";
const CLIENT = "/app/subgraphs/accounts/dist/generated/prisma/internal/class.js";

function fakeModule(id: string, children: NodeJS.Module[] = []): NodeJS.Module {
  return { id, filename: id, children, exports: {} } as unknown as NodeJS.Module;
}

describe("forgetOneShotModules", () => {
  it("drops Prisma's base64 query compiler from the cache and from its parent's children, nothing else", () => {
    const wasm = fakeModule(WASM);
    const runtime = fakeModule(RUNTIME);
    const client = fakeModule(CLIENT, [runtime, wasm]);
    const cache: Record<string, NodeJS.Module> = { [CLIENT]: client, [RUNTIME]: runtime, [WASM]: wasm };

    expect(forgetOneShotModules(cache)).toEqual([WASM]);
    expect(Object.keys(cache)).toEqual([CLIENT, RUNTIME]);
    expect(client.children).toEqual([runtime]);
  });

  it("leaves a cache without one-shot modules as it was", () => {
    const runtime = fakeModule(RUNTIME);
    const cache: Record<string, NodeJS.Module> = { [RUNTIME]: runtime };

    expect(forgetOneShotModules(cache)).toEqual([]);
    expect(cache).toEqual({ [RUNTIME]: runtime });
  });
});
