/** A User owned by accounts; notifications knows only its id. */
export interface UserReference {
  __typename?: "User";
  id: string;
}
