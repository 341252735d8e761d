/**
 * graphql-js ends many validation and coercion messages with "Did you mean ...?", naming fields, types
 * and enum values. With introspection off those names are exactly what a client must not learn, so
 * every transport strips them (Apollo Server's own DisableSuggestions plugin uses the same pattern).
 */
const SUGGESTION = / ?Did you mean(.+?)\?$/;

export function withoutSuggestions(message: string): string {
  return message.replace(SUGGESTION, '');
}
