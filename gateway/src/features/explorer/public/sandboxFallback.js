// Apollo Sandbox loads from Apollo's CDN. When that script could not load (offline, blocked, a
// private network), the page would stay blank: open the bundled GraphiQL instead.
window.addEventListener("load", () => {
  if (!window.EmbeddedSandbox) window.location.replace("/graphiql");
});
