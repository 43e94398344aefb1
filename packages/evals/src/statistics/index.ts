export * from './prng';
export * from './wilson';
export * from './bootstrap';
export * from './mcnemar';
export * from './sign-flip';
export * from './pass-at-k';
export * from './steps';
