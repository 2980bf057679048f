/**
 * `npm run new:service -- <name>`: adds a complete service (subgraph, database, events,
 * subscription, tests, deployment) named after what it holds, in the plural (tickets -> Ticket).
 * Exits 2 with nothing written on a bad or taken name; 1, with the tree as it was, on any other failure.
 */
import { resolve } from "node:path";
import { environment, exitWithUsageError, parseCommandLine } from "@fedplat/runtime";
import { newService } from "./newService";
import { ServiceNameError } from "./serviceNames";

const USAGE = `usage: npm run new:service -- <name>

Adds the service <name> (a lowercase plural such as tickets): an entity Ticket with a reference to
User, Query.tickets(first, after), Query.ticket(id), Mutation.createTicket(input), the subscription
ticketChanged, User.tickets, its database and first migration, the event ticket.created it
publishes and user.registered it consumes, tests, and its place in services.json, the workers'
routing, compose, Kubernetes and Prometheus. Then: npm start (docs/adding-a-subgraph.md).`;

const { positionals } = parseCommandLine({ usage: USAGE, allowPositionals: true });
const [name, ...extra] = positionals;
if (!name || extra.length) exitWithUsageError(USAGE, name ? "one name only" : "a name is needed");
const root = resolve(__dirname, "../../..");
try {
  const { names, port, written } = newService(name, {
    root,
    env: environment(),
    log: (line) => process.stdout.write(`[new:service] ${line}\n`),
  });
  process.stdout.write(
    `\nAdded ${names.name} on port ${port} (${written.length} files). Next: npm start, then query { ${names.name}(first: 5) { totalCount } }\n`,
  );
} catch (error) {
  if (error instanceof ServiceNameError) exitWithUsageError(USAGE, error.message);
  process.stderr.write(`\nnew:service failed; every file is as it was.\n${(error as Error).message}\n`);
  process.exit(1);
}
