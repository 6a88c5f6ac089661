"""A real OpenID Connect provider (npm oidc-provider) for login tests."""
