/**
 * The names of npm's own configs (`npm config ls -l`, npm 11), as a flag or `.npmrc` sets them. npm exports them
 * to a script as `npm_config_NAME` whatever set them, so such a variable says nothing about a flag meant for us.
 */
export const NPM_CONFIG_NAMES: ReadonlySet<string> = new Set([
  '_auth', 'access', 'all', 'allow-directory', 'allow-file', 'allow-git', 'allow-remote', 'allow-same-version',
  'allow-scripts', 'allow-scripts-pending', 'allow-scripts-pin', 'also', 'audit', 'audit-level', 'auth-type',
  'before', 'bin-links', 'browser', 'ca', 'cache', 'cache-max', 'cache-min', 'cafile', 'call', 'cert', 'cidr',
  'color', 'commit-hooks', 'cpu', 'dangerously-allow-all-scripts', 'depth', 'description', 'dev', 'diff',
  'diff-dst-prefix', 'diff-ignore-all-space', 'diff-name-only', 'diff-no-prefix', 'diff-src-prefix',
  'diff-text', 'diff-unified', 'dry-run', 'editor', 'engine-strict', 'expect-result-count', 'expect-results',
  'expires', 'fetch-retries', 'fetch-retry-factor', 'fetch-retry-maxtimeout', 'fetch-retry-mintimeout',
  'fetch-timeout', 'force', 'foreground-scripts', 'format-package-lock', 'fund', 'git', 'git-tag-version',
  'global', 'global-style', 'globalconfig', 'heading', 'https-proxy', 'if-present', 'ignore-scripts',
  'include', 'include-attestations', 'include-staged', 'include-workspace-root', 'init-author-email',
  'init-author-name', 'init-author-url', 'init-license', 'init-module', 'init-private', 'init-type',
  'init-version', 'install-links', 'install-strategy', 'json', 'key', 'legacy-bundling', 'legacy-peer-deps',
  'libc', 'link', 'local-address', 'location', 'lockfile-version', 'loglevel', 'logs-dir', 'logs-max', 'long',
  'maxsockets', 'message', 'min-release-age', 'min-release-age-exclude', 'name', 'node-gyp', 'node-options',
  'nodedir', 'noproxy', 'npm-version', 'offline', 'omit', 'omit-lockfile-registry-resolved', 'only',
  'optional', 'orgs', 'orgs-permission', 'os', 'otp', 'pack-destination', 'package', 'package-lock',
  'package-lock-only', 'packages', 'packages-all', 'packages-and-scopes-permission', 'parseable', 'password',
  'prefer-dedupe', 'prefer-offline', 'prefer-online', 'prefix', 'preid', 'production', 'progress',
  'provenance', 'provenance-file', 'proxy', 'read-only', 'rebuild-bundle', 'registry', 'replace-registry-host',
  'save', 'save-bundle', 'save-dev', 'save-exact', 'save-optional', 'save-peer', 'save-prefix', 'save-prod',
  'sbom-format', 'sbom-type', 'scope', 'scopes', 'script-shell', 'searchexclude', 'searchlimit', 'searchopts',
  'searchstaleness', 'shell', 'shrinkwrap', 'sign-git-commit', 'sign-git-tag', 'strict-allow-scripts',
  'strict-peer-deps', 'strict-ssl', 'tag', 'tag-version-prefix', 'timing', 'token-description', 'umask',
  'unicode', 'update-notifier', 'usage', 'user-agent', 'userconfig', 'version', 'versions', 'viewer', 'which',
  'workspace', 'workspaces', 'workspaces-update', 'yes',
]);
