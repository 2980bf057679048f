import { type FederationCase, startFederationCase } from "./federationCase";

/*
 * Audit cases requires-with-argument #2, #3 and #4. `Post.author` requires
 * `comments(limit: 2) { authorId }`; a client asking for `comments(limit: 1)` in the same
 * operation must get one comment, and the author must still be computed from two. Stock
 * @apollo/query-planner 2.14 merges both selections under the response name `comments` and keeps
 * only the @requires arguments: the client silently gets two comments
 * (https://github.com/apollographql/federation/issues/2996). Fixed by aliasing the @requires field
 * (patches/@apollo+query-graphs, @apollo+query-planner, @apollo+gateway).
 */
const comments = [
  { id: "c1", postId: "p1", authorId: "ann" },
  { id: "c2", postId: "p1", authorId: "bob" },
  { id: "c3", postId: "p1", authorId: "cid" },
  { id: "c4", postId: "p2", authorId: "dee" },
  { id: "c5", postId: "p2", authorId: "eve" },
];
const commentsOf = (postId: string, limit: number) => comments.filter((c) => c.postId === postId).slice(0, limit);

let federation: FederationCase;

beforeAll(async () => {
  federation = await startFederationCase([
    {
      name: "posts",
      typeDefs: /* GraphQL */ `
        extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
        type Query {
          feed: [Post]
        }
        type Post @key(fields: "id") {
          id: ID!
        }
        type Comment @key(fields: "id") {
          id: ID!
          authorId: ID
        }
      `,
      resolvers: {
        Query: { feed: () => [{ id: "p1" }, { id: "p2" }] },
        Comment: { __resolveReference: (ref: { id: string }) => comments.find((c) => c.id === ref.id) ?? null },
      },
    },
    {
      name: "threads",
      typeDefs: /* GraphQL */ `
        extend schema
          @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@external", "@requires"])
        type Post @key(fields: "id") {
          id: ID!
          comments(limit: Int!): [Comment]
          "Who wrote the last of the first two comments."
          lastReplier: String @requires(fields: "comments(limit: 2) { authorId }")
        }
        type Comment @key(fields: "id") {
          id: ID!
          authorId: ID @external
        }
      `,
      resolvers: {
        Post: {
          __resolveReference: (ref: { id: string; comments?: Array<{ authorId: string }> }) => {
            if (ref.comments && ref.comments.length !== 2) {
              throw new Error(`expected the 2 required comments, got ${ref.comments.length}`);
            }
            return { id: ref.id, lastReplier: ref.comments?.[1]?.authorId ?? null };
          },
          comments: (post: { id: string }, { limit }: { limit: number }) =>
            commentsOf(post.id, limit).map(({ id }) => ({ id })),
        },
      },
    },
  ]);
});

afterAll(async () => {
  await federation?.stop();
});

const expected = {
  feed: [
    { lastReplier: "bob", comments: [{ id: "c1" }] },
    { lastReplier: "eve", comments: [{ id: "c4" }] },
  ],
};

test("#2 a literal argument of the client's field wins over the @requires one", async () => {
  const response = await federation.query("{ feed { lastReplier comments(limit: 1) { id } } }");
  expect(response.errors).toBeUndefined();
  expect(response.data).toEqual(expected);
});

test("#3 so does a variable with a default value", async () => {
  const response = await federation.query(
    "query ($limit: Int = 1) { feed { lastReplier comments(limit: $limit) { id } } }",
  );
  expect(response.errors).toBeUndefined();
  expect(response.data).toEqual(expected);
});

test("#4 and the same field selected by two fragments", async () => {
  const response = await federation.query(
    `query ($limit: Int = 1) { feed { lastReplier ...A ...B } }
     fragment A on Post { comments(limit: $limit) { id } }
     fragment B on Post { comments(limit: $limit) { id } }`,
  );
  expect(response.errors).toBeUndefined();
  expect(response.data).toEqual(expected);
});

test("the @requires field alone still sees its own arguments", async () => {
  const response = await federation.query("{ feed { lastReplier } }");
  expect(response.errors).toBeUndefined();
  expect(response.data).toEqual({ feed: [{ lastReplier: "bob" }, { lastReplier: "eve" }] });
});
