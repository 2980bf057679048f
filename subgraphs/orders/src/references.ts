/** A User owned by accounts; orders knows only its id. */
export interface UserReference {
  __typename?: "User";
  id: string;
}

/** A Product owned by catalog; orders knows only its id. */
export interface ProductReference {
  __typename?: "Product";
  id: string;
}
