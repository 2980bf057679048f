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

/** Ends every session of the user: refresh tokens at once, access tokens at every gateway within 5 s. */
export const LogoutDocument = graphql(`
  mutation Logout {
    logout
  }
`);

/** Needs the current password; ends every other session and returns fresh tokens for this one. */
export const ChangePasswordDocument = graphql(`
  mutation ChangePassword($currentPassword: String!, $newPassword: String!) {
    changePassword(currentPassword: $currentPassword, newPassword: $newPassword) {
      accessToken
      refreshToken
      user { id email }
    }
  }
`);

export const MeDocument = graphql(`
  query Me {
    me { id email name role }
  }
`);
