/**
 * Upload throughput through the gateway (issue 23): an admin uploads `files` product images of
 * `fileMib` MiB each (`concurrency` at a time, one file per request) to the platform's real
 * processes; the gateway streams each to catalog (transport/multipartFetch.ts). Measures MB/s and
 * the gateway's RSS (VmRSS, sampled every 100 ms): at rest, the highest over the first tenth of the
 * files and over all of them. The gateway never holds a whole file, so its RSS must stay flat.
 * Used by bench/uploads.ts (on its own) and bench/gateway.ts (beside the query workloads).
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import type { RunningService } from "@fedplat/devkit";
import type { startPlatform } from "@fedplat/tests";

type Platform = Awaited<ReturnType<typeof startPlatform>>;

export interface UploadThroughput {
  files: number;
  fileMib: number;
  concurrency: number;
  seconds: number;
  megabytesPerSecond: number;
  atRestMib: number;
  earlyPeakMib: number;
  peakMib: number;
}

const MIB = 1024 * 1024;
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const UPLOAD = /* GraphQL */ `
  mutation UploadProductImage($productId: ID!, $image: Upload!) {
    uploadProductImage(productId: $productId, image: $image) { id imageUrl }
  }
`;

/** Resident set size in bytes, from the kernel (VmRSS), so nothing runs inside the measured process. */
function rssOf(service: RunningService): number {
  const kib = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${service.child.pid}/status`, "utf8"))?.[1];
  if (!kib) throw new Error(`no VmRSS for ${service.spec.name}`);
  return Number(kib) * 1024;
}

/** Catalog must get the time a client's upload lasts on a slow (shared) machine: start the platform with this. */
export const UPLOAD_GATEWAY_ENV = { SUBGRAPH_CATALOG_TIMEOUT_MS: "60000" };

export async function measureUploads(
  platform: Platform,
  { files = 100, fileMib = 5, concurrency = 4 } = {},
): Promise<UploadThroughput> {
  const gateway = platform.services.gateway;
  if (!gateway) throw new Error("no gateway process");
  const admin = await platform.login("admin@example.com");
  const products = await platform.query<{ products: { edges: Array<{ node: { id: string } }> } }>(
    /* GraphQL */ "query { products(first: 1) { edges { node { id } } } }",
  );
  const productId = products.data?.products.edges[0]?.node.id;
  if (!productId) throw new Error("no product to upload an image for");
  // A PNG signature, then random bytes: catalog checks the type by the first bytes only.
  const file = new Blob([new Uint8Array(PNG_SIGNATURE), new Uint8Array(randomBytes(fileMib * MIB - 8))], {
    type: "image/png",
  });
  const send = async () => {
    const form = new FormData();
    form.append("operations", JSON.stringify({ query: UPLOAD, variables: { productId, image: null } }));
    form.append("map", JSON.stringify({ 0: ["variables.image"] }));
    form.append("0", file, "bench.png");
    const res = await fetch(platform.gatewayUrl, {
      method: "POST",
      body: form,
      headers: { ...admin, "apollo-require-preflight": "true" },
    });
    const body = (await res.json()) as { errors?: unknown };
    if (!res.ok || body.errors) throw new Error(`upload: ${res.status} ${JSON.stringify(body.errors)}`);
  };

  const atRest = rssOf(gateway);
  let peak = atRest;
  let earlyPeak = atRest;
  let done = 0;
  const early = Math.max(1, Math.floor(files / 10));
  const sampler = setInterval(() => {
    peak = Math.max(peak, rssOf(gateway));
    if (done < early) earlyPeak = peak;
  }, 100);
  let next = 0;
  const started = performance.now();
  try {
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < files) {
          next++;
          await send();
          done++;
        }
      }),
    );
  } finally {
    clearInterval(sampler);
  }
  const seconds = (performance.now() - started) / 1000;
  return {
    files,
    fileMib,
    concurrency,
    seconds,
    megabytesPerSecond: (files * fileMib * MIB) / 1e6 / seconds,
    atRestMib: atRest / MIB,
    earlyPeakMib: earlyPeak / MIB,
    peakMib: peak / MIB,
  };
}

/** The markdown table of one measurement, with what it means. */
export function uploadTable(r: UploadThroughput): string[] {
  const mib = (n: number) => n.toFixed(0);
  return [
    "| files | file size | concurrency | MB/s | gateway RSS at rest MiB | highest RSS, first tenth of the files MiB | highest RSS, all files MiB |",
    "|---|---|---|---|---|---|---|",
    `| ${r.files} | ${r.fileMib} MiB | ${r.concurrency} | ${r.megabytesPerSecond.toFixed(1)} | ${mib(r.atRestMib)} | ${mib(r.earlyPeakMib)} | ${mib(r.peakMib)} |`,
    "",
    `${r.files} uploadProductImage requests of one ${r.fileMib} MiB file each (${((r.files * r.fileMib * MIB) / 1e6).toFixed(0)} MB in ${r.seconds.toFixed(1)} s), as an admin, through the`,
    "gateway to catalog, which stores each image in PostgreSQL: MB/s is the whole path (client, gateway, catalog, database).",
    "Gateway RSS: VmRSS sampled every 100 ms. Flat means the highest over all files stays near the highest over the first tenth.",
  ];
}
