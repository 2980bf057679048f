import { createBullBoard } from "@bull-board/api";
import { BullMQAdapter } from "@bull-board/api/bullMQAdapter";
import { ExpressAdapter } from "@bull-board/express";
import type { TokenVerifier } from "@fedplat/common";
import type { Queue } from "bullmq";
import cookieParser from "cookie-parser";
import express, { type RequestHandler } from "express";

const BASE = "/admin/queues";
const COOKIE = "fedplat_admin";

const LOGIN_PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>fedplat queues</title></head>
<body style="font-family: sans-serif; max-width: 36rem; margin: 4rem auto">
<h1>Queues: admin sign-in</h1>
<p>Paste an ADMIN access token (from the <code>login</code> mutation).</p>
<form method="post" action="/admin/session"><textarea name="token" rows="6" style="width: 100%" required></textarea>
<p><button type="submit">Open Bull Board</button></p></form></body></html>`;

/** The request's token: Authorization: Bearer, or the session cookie set by /admin/session. */
function tokenOf(req: express.Request): string | undefined {
  const bearer = /^Bearer\s+(\S+)$/i.exec(req.header("authorization") ?? "")?.[1];
  return bearer ?? (req.cookies as Record<string, string | undefined>)[COOKIE];
}

function requireAdmin(verify: TokenVerifier): RequestHandler {
  return async (req, res, next) => {
    const token = tokenOf(req);
    const viewer = token ? await verify(token).catch(() => null) : null;
    if (viewer?.role === "ADMIN") return next();
    if (req.accepts(["html", "json"]) === "html") return res.redirect(303, "/admin/login");
    res.status(viewer ? 403 : 401).json({ errors: [{ message: viewer ? "Not allowed" : "You must be logged in as an admin", extensions: { code: viewer ? "FORBIDDEN" : "UNAUTHENTICATED" } }] });
  };
}

/**
 * Bull Board at /admin/queues for ADMINs only: the same access tokens as the gateway, sent as a
 * bearer token or, from a browser, kept in an HttpOnly cookie after /admin/login.
 */
export function mountBullBoard(app: express.Express, queues: Queue[], verify: TokenVerifier): void {
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(BASE);
  createBullBoard({ queues: queues.map((queue) => new BullMQAdapter(queue)), serverAdapter });
  app.use(cookieParser());
  app.get("/admin/login", (_req, res) => {
    res.type("html").send(LOGIN_PAGE);
  });
  app.post("/admin/session", express.urlencoded({ extended: false, limit: "16kb" }), async (req, res) => {
    const token = typeof req.body?.token === "string" ? req.body.token.trim() : "";
    const viewer = token ? await verify(token).catch(() => null) : null;
    if (viewer?.role !== "ADMIN") return res.status(viewer ? 403 : 401).type("html").send(`${LOGIN_PAGE}<p style="color: red">That token is not a valid ADMIN token.</p>`);
    res.cookie(COOKIE, token, { httpOnly: true, sameSite: "strict", path: "/admin", maxAge: 15 * 60 * 1000 });
    res.redirect(303, BASE);
  });
  app.use(BASE, requireAdmin(verify), serverAdapter.getRouter());
}
