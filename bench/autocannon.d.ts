// autocannon ships no types; the runner bench uses only its promise API and a few result fields.
declare module 'autocannon' {
  namespace autocannon {
    type Options = Record<string, unknown> & { url: string };
  }
  function autocannon(options: autocannon.Options): Promise<any>;
  export = autocannon;
}
