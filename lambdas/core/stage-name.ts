/**
 * A stage name (`dev`, `prod`): the `stage` setting of `cdk.json` and the CLI's `--stage` follow
 * this one rule. Kept apart from the configuration schema so that the CLI can check a name
 * without loading the schema's validator.
 */
export const STAGE_NAME_PATTERN = /^[a-z][a-z0-9-]{0,15}$/;

/** The rule in words, for messages. */
export const STAGE_NAME_RULE =
  'lower-case letters, digits and "-", starting with a letter, at most 16 characters';
