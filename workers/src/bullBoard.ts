import { createHash, randomBytes } from "node:crypto";
import type { Redis } from "@fedplat/runtime";
import { hasRole, type TokenVerifier, type Viewer } from "@fedplat/auth";
import type { Queue } from "bullmq";
import cookieParser from "cookie-parser";
import express, { type RequestHandler } from "express";
import type { AuditLog } from "@fedplat/operations/workers";
import { type AdminLogin, AdminLoginRefused } from "./adminLogin";
import type { AdminSessionCheck } from "./adminSessions";

/** Who may open Bull Board: accounts' admin role (the board takes accounts' access tokens only). */
const BULL_BOARD_ROLE = "ADMIN";

const BASE = "/admin/queues";
const COOKIE = "fedplat_admin_session";

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c);

/** The sign-in form; `notice` (an error) is shown above it, `email` kept in its field. */
const loginPage = (
  notice = "",
  email = "",
) => `<!doctype html><html><head><meta charset="utf-8"><title>fedplat queues</title></head>
<body style="font-family: sans-serif; max-width: 28rem; margin: 4rem auto">
<h1>Queues: admin sign-in</h1>
${notice ? `<p role="alert" style="color: #b00020">${escapeHtml(notice)}</p>` : ""}
<form method="post" action="/admin/session">
<p><label>Email<br><input type="email" name="email" autocomplete="username" required value="${escapeHtml(email)}" style="width: 100%"></label></p>
<p><label>Password<br><input type="password" name="password" autocomplete="current-password" required style="width: 100%"></label></p>
<p><button type="submit">Sign in</button></p></form>
<p><small>ADMIN accounts only. The password goes to the platform's login (through the gateway) and is not kept;
the browser gets a short-lived session of its own.</small></p></body></html>`;

export interface BullBoardOptions {
  queues: Queue[];
  /** Verifies the admin's access token, once, at sign-in (and bearer tokens of API calls). */
  verifyToken: TokenVerifier;
  /** Signs in with email and password (createGatewayAdminLogin: the login mutation through the gateway). */
  login: AdminLogin;
  /**
   * The token's session against accounts' data (createAdminSessionCheck): at sign-in, on every
   * bearer request and on every request of an open browser session, so logout, a demotion or
   * disabling ends Bull Board access within the check's cache time (3 s) plus one look-up.
   */
  checkSession: AdminSessionCheck;
  /** Where sessions are kept, so that any replica knows them and a logout ends them everywhere. */
  redis: Redis;
  /** Key prefix of the session keys (the BullMQ prefix). */
  keyPrefix: string;
  /** Retry, promote, add, clean, pause... are refused (405 QUEUE_READ_ONLY) unless this is false. @default true */
  readOnly?: boolean;
  /** Marks the cookie Secure (sent over HTTPS only): production. @default false */
  secureCookie?: boolean;
  /** How long a session lasts from sign-in; it is not extended by use. @default 15 min */
  sessionTtlMs?: number;
  /** Records sign-ins, logouts and write actions; optional so the board runs without it in tests. */
  audit?: AuditLog;
  /** The clock (tests move it past a session's expiry). @default Date.now */
  now?: () => number;
}

/** What a session key holds: who signed in, with which token version, and until when. */
interface Session {
  userId: string;
  /** accounts' role at sign-in. */
  role: string;
  /** The version of the token signed in with: a logout after that (which bumps the user's) ends the session. */
  tokenVersion: number;
  expiresAtMs: number;
}

/**
 * Browser sessions of Bull Board. The cookie carries an opaque random id (256 bits), never the
 * access token: a stolen cookie is worth at most the session's 15 minutes and dies at logout;
 * Redis stores only the id's SHA-256, so a read of Redis does not yield usable cookies.
 */
function sessionStore(redis: Redis, keyPrefix: string, ttlMs: number, now: () => number) {
  const keyOf = (id: string) => `${keyPrefix}:admin-session:${createHash("sha256").update(id).digest("hex")}`;
  return {
    async create(viewer: Viewer): Promise<string> {
      const id = randomBytes(32).toString("base64url");
      const session: Session = {
        userId: viewer.id,
        role: viewer.roles[0] ?? "",
        tokenVersion: viewer.tokenVersion ?? 0,
        expiresAtMs: now() + ttlMs,
      };
      await redis.set(keyOf(id), JSON.stringify(session), "PX", ttlMs);
      return id;
    },
    /** The session, while it has not expired (by its own expiry: Redis's TTL only cleans up). */
    async find(id: string): Promise<Session | null> {
      const stored = await redis.get(keyOf(id));
      const session = stored ? (JSON.parse(stored) as Session) : null;
      // A session written before token versions were kept cannot be checked: sign in again.
      return session && session.expiresAtMs > now() && typeof session.tokenVersion === "number" ? session : null;
    },
    async end(id: string): Promise<void> {
      await redis.del(keyOf(id));
    },
  };
}

/**
 * Bull Board's router, loaded and built on the first request that reaches it (an admin's). The board
 * (its handlers, its Express adapter, redis-info and with it the whole of lodash) is a few hundred
 * modules that a workers process otherwise keeps in memory for a page most replicas never serve
 * (bench/results/memory.md). A failed load is passed to Express and retried on the next request.
 */
function lazyBoardRouter(queues: Queue[], readOnly: boolean): RequestHandler {
  let router: Promise<RequestHandler> | undefined;
  const load = async (): Promise<RequestHandler> => {
    const [{ createBullBoard }, { BullMQAdapter }, { ExpressAdapter }] = await Promise.all([
      import("@bull-board/api"),
      import("@bull-board/api/bullMQAdapter"),
      import("@bull-board/express"),
    ]);
    const serverAdapter = new ExpressAdapter();
    serverAdapter.setBasePath(BASE);
    createBullBoard({
      queues: queues.map((queue) => new BullMQAdapter(queue, { readOnlyMode: readOnly })),
      serverAdapter,
    });
    return serverAdapter.getRouter() as RequestHandler;
  };
  return (req, res, next) => {
    router ??= load().catch((error: unknown) => {
      router = undefined;
      throw error;
    });
    router.then((handle) => handle(req, res, next), next);
  };
}

const bearerOf = (req: express.Request) => /^Bearer\s+(\S+)$/i.exec(req.header("authorization") ?? "")?.[1];
const sessionIdOf = (req: express.Request) => (req.cookies as Record<string, string | undefined> | undefined)?.[COOKIE];

/**
 * Bull Board at /admin/queues for ADMINs only: a bearer access token (scripts), or from a browser
 * a session cookie set by /admin/session (HttpOnly, SameSite=Strict, Path=/admin, Secure in
 * production, 15 minutes) and ended by POST /admin/logout. Read-only unless configured otherwise.
 */
export function mountBullBoard(app: express.Express, options: BullBoardOptions): void {
  const readOnly = options.readOnly ?? true;
  const ttlMs = options.sessionTtlMs ?? 15 * 60_000;
  const sessions = sessionStore(options.redis, options.keyPrefix, ttlMs, options.now ?? Date.now);
  const cookieOptions = {
    httpOnly: true,
    sameSite: "strict",
    secure: options.secureCookie ?? false,
    path: "/admin",
  } as const;
  /** The viewer of a verified token as its session stands now (current role); null when the session ended. Rejects when accounts cannot answer. */
  async function current(viewer: Viewer): Promise<Viewer | null> {
    if (viewer.kind === "apiKey") return null; // Bull Board takes access tokens only
    const role = await options.checkSession(viewer.id, viewer.tokenVersion ?? 0);
    return role === "ended" ? null : { ...viewer, roles: [role] };
  }

  /** The admin behind the request, from its bearer token or its session; null when there is none (or it ended). */
  async function viewerOf(req: express.Request, res: express.Response): Promise<Viewer | null> {
    const bearer = bearerOf(req);
    if (bearer) {
      const verified = await options.verifyToken(bearer).catch(() => null);
      return verified ? current(verified) : null;
    }
    const id = sessionIdOf(req);
    const session = id ? await sessions.find(id) : null;
    if (!id || !session) return null;
    const viewer = await current({
      id: session.userId,
      roles: [session.role],
      scopes: [],
      kind: "user",
      tokenVersion: session.tokenVersion,
    });
    if (!hasRole(viewer, BULL_BOARD_ROLE)) {
      // Logged out, demoted or disabled since sign-in: the session ends here, not at its expiry.
      await sessions.end(id);
      res.clearCookie(COOKIE, cookieOptions);
    }
    return viewer;
  }

  const requireAdmin: RequestHandler = async (req, res, next) => {
    let viewer: Viewer | null;
    try {
      viewer = await viewerOf(req, res);
    } catch {
      // Fail closed: without accounts' answer a revoked session cannot be told from a live one.
      return res.status(503).json({
        errors: [
          {
            message: "Sessions cannot be checked: accounts is unavailable",
            extensions: { code: "SUBGRAPH_UNAVAILABLE" },
          },
        ],
      });
    }
    if (hasRole(viewer, BULL_BOARD_ROLE)) {
      res.locals.admin = viewer;
      return next();
    }
    if (req.accepts(["html", "json"]) === "html") return res.redirect(303, "/admin/login");
    res.status(viewer ? 403 : 401).json({
      errors: [
        {
          message: viewer ? "Not allowed" : "You must be logged in as an admin",
          extensions: { code: viewer ? "FORBIDDEN" : "UNAUTHENTICATED" },
        },
      ],
    });
  };

  /** Write actions through the board (when it is not read-only) are admin actions: recorded with their outcome. */
  const auditWrites: RequestHandler = (req, res, next) => {
    if (req.method === "GET" || req.method === "HEAD" || !options.audit) return next();
    const admin = res.locals.admin as Viewer;
    res.on("finish", () => {
      void options.audit?.record({
        actor: admin,
        action: "bullBoard",
        target: `${req.method} ${req.path}`.slice(0, 300),
        outcome: res.statusCode < 400 ? "SUCCESS" : "FAILURE",
        detail: `HTTP ${res.statusCode}`,
      });
    });
    next();
  };

  app.use("/admin", cookieParser());
  app.get("/admin/login", (_req, res) => {
    res.type("html").send(loginPage());
  });
  app.post("/admin/session", express.urlencoded({ extended: false, limit: "16kb" }), async (req, res) => {
    const field = (name: string) => (typeof req.body?.[name] === "string" ? (req.body[name] as string) : "");
    const email = field("email").trim();
    const password = field("password");
    const refuse = (status: number, notice: string) => res.status(status).type("html").send(loginPage(notice, email));
    if (!email || !password) return refuse(400, "Enter an email and a password.");
    let viewer: Viewer | null;
    try {
      const verified = await options.verifyToken(await options.login(email, password)).catch(() => null);
      viewer = verified ? await current(verified) : null;
    } catch (error) {
      if (error instanceof AdminLoginRefused) return refuse(error.status, error.message);
      return refuse(503, "Sign-in is unavailable right now (the gateway or accounts cannot be reached): try again.");
    }
    if (!viewer || !hasRole(viewer, BULL_BOARD_ROLE))
      return refuse(viewer ? 403 : 401, viewer ? "This account is not an ADMIN." : "Wrong email or password.");
    res.cookie(COOKIE, await sessions.create(viewer), { ...cookieOptions, maxAge: ttlMs });
    await options.audit?.record({ actor: viewer, action: "bullBoardSignIn", target: BASE, outcome: "SUCCESS" });
    res.redirect(303, BASE);
  });
  app.post("/admin/logout", async (req, res) => {
    const id = sessionIdOf(req);
    if (id) await sessions.end(id);
    res.clearCookie(COOKIE, cookieOptions);
    res.redirect(303, "/admin/login");
  });
  app.use(BASE, requireAdmin, auditWrites, lazyBoardRouter(options.queues, readOnly));
}
