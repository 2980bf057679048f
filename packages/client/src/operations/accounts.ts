import { graphql } from "../generated";

export const RegisterDocument = graphql(`
  mutation Register($input: RegisterInput!) {
    register(input: $input) {
      email
      message
    }
  }
`);

export const LoginDocument = graphql(`
  mutation Login($email: String!, $password: String!) {
    login(email: $email, password: $password) {
      accessToken
      refreshToken
      user { id email name role }
    }
  }
`);

export const MeDocument = graphql(`
  query Me {
    me { id email name role }
  }
`);
