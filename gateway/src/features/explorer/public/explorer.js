// The bundled explorer: GraphiQL on the gateway's own /graphql, queries and mutations over HTTP,
// subscriptions over graphql-ws. The headers editor's values go with every HTTP request and, for
// subscriptions, in graphql-ws's connection_init payload (the gateway authenticates a WebSocket
// there: `{ "authorization": "Bearer <token>" }`), one WebSocket client per distinct set of headers.
(() => {
  const { GraphiQL, React, ReactDOM, graphqlWs } = window;
  const url = new URL("/graphql", window.location.href).toString();
  const subscriptionUrl = url.replace(/^http/, "ws");
  const wsClients = new Map();

  /** A graphql-ws client whose connection_init carries these headers (names lower-cased). */
  function wsClientFor(headers) {
    const params = Object.fromEntries(Object.entries(headers ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)]));
    const key = JSON.stringify(Object.entries(params).sort());
    let client = wsClients.get(key);
    if (!client) {
      client = graphqlWs.createClient({ url: subscriptionUrl, connectionParams: params, lazy: true });
      wsClients.set(key, client);
    }
    return client;
  }

  function fetcher(graphQLParams, options) {
    const headers = options?.headers ?? {};
    return GraphiQL.createFetcher({ url, wsClient: wsClientFor(headers) })(graphQLParams, options);
  }

  const root = ReactDOM.createRoot(document.getElementById("graphiql"));
  root.render(
    React.createElement(GraphiQL, {
      fetcher,
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: false,
      defaultQuery: "# Queries and mutations go over HTTP, subscriptions over graphql-ws.\n# Sign in with the login mutation, then put its accessToken in Headers:\n#   { \"authorization\": \"Bearer <accessToken>\" }\n\nquery Products {\n  products(first: 5) {\n    edges { node { id name priceCents stock } }\n  }\n}\n",
    }),
  );
})();
