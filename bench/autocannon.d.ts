// autocannon ships no types; the runner bench uses only its promise API and result fields.
declare module 'autocannon';
