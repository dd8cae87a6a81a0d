"""A faithful local stand-in for one ActiveCampaign account: v3 REST (Deep Data,
contacts, tags, lists, accounts, bulk import) and the Ecommerce GraphQL API, with the
account's 5 req/s budget, real error shapes and fault hooks (destinations.md Part A,
ac-graphql.md)."""
