<?php
// Copied verbatim from templates/php/src/Origin.php by rcsdk's generator.
// Do not edit: change templates/php/src/Origin.php and run `make generate`.

declare(strict_types=1);

namespace Rcsdk;

/**
 * Where a request may go: the platform's own origin only, and input that cannot change that.
 *
 * The server is an http(s) URL without credentials, query or fragment; plain http is refused
 * for a host other than loopback unless the caller opts in (allowInsecureHttp). A path starts
 * with `/` (never `//`), or is an absolute URL on the server's own origin (scheme, host, port);
 * backslashes and control characters are refused, and so are CR, LF and other control
 * characters in header and form values. Every refusal is a UsageError naming the argument.
 */
final class Origin
{
    private const DEFAULT_PORTS = ['http' => 80, 'https' => 443];

    private function __construct(
        public readonly string $scheme,
        public readonly string $host,
        public readonly int $port,
        public readonly string $netloc,
        public readonly string $base,
    ) {
    }

    public static function of(string $server, bool $allowInsecureHttp = false): self
    {
        if (self::control($server) !== null || str_contains($server, '\\') || str_contains($server, ' ')) {
            throw new UsageError('server contains a control character, space or backslash: ' . self::shown($server));
        }
        $parts = parse_url($server);
        $scheme = strtolower((string) ($parts['scheme'] ?? ''));
        if ($parts === false || !isset(self::DEFAULT_PORTS[$scheme]) || ($parts['host'] ?? '') === '') {
            throw new UsageError('server must be an http(s) URL with a host, not ' . self::shown($server));
        }
        if (isset($parts['user']) || isset($parts['pass']) || str_contains(explode('/', substr($server, strlen($scheme) + 3), 2)[0], '@')) {
            throw new UsageError('server must not carry credentials (user:password@): rcsdk authenticates itself');
        }
        if (isset($parts['query']) || str_contains($server, '?')) {
            throw new UsageError('server must not have a query (?...): ' . self::shown($server));
        }
        if (isset($parts['fragment']) || str_contains($server, '#')) {
            throw new UsageError('server must not have a fragment (#...): ' . self::shown($server));
        }
        $host = strtolower(trim((string) $parts['host'], '[]'));
        $port = (int) ($parts['port'] ?? self::DEFAULT_PORTS[$scheme]);
        $bracketed = str_contains($host, ':') ? "[{$host}]" : $host;
        $netloc = $port === self::DEFAULT_PORTS[$scheme] ? $bracketed : "{$bracketed}:{$port}";
        if ($scheme === 'http' && !self::isLoopback($host) && !$allowInsecureHttp) {
            throw new UsageError(
                "server {$scheme}://{$netloc} uses plain HTTP: the app secret, passwords and tokens would "
                . 'cross the network unencrypted. Use https://, or pass allowInsecureHttp: true if this '
                . 'network is trusted.'
            );
        }
        $path = rtrim((string) ($parts['path'] ?? ''), '/');
        return new self($scheme, $host, $port, $netloc, "{$scheme}://{$netloc}{$path}");
    }

    public static function isLoopback(string $host): bool
    {
        $host = rtrim(strtolower(trim($host, '[]')), '.');
        if ($host === 'localhost' || str_ends_with($host, '.localhost') || $host === '::1') {
            return true;
        }
        return filter_var($host, FILTER_VALIDATE_IP, FILTER_FLAG_IPV4) !== false && str_starts_with($host, '127.');
    }

    /** The URL for `$target`: a path on this server, or an absolute URL on its origin. */
    public function url(string $target, string $argument = 'path'): string
    {
        if ($target === '') {
            throw new UsageError("{$argument} is empty: pass an API path such as '/restapi/v1.0/...'");
        }
        $control = self::control($target);
        if ($control !== null) {
            throw new UsageError("{$argument} contains a control character ({$control}): " . self::shown($target));
        }
        if (str_contains($target, '\\')) {
            throw new UsageError("{$argument} contains a backslash: " . self::shown($target));
        }
        if (str_starts_with($target, '//')) {
            throw new UsageError(
                "{$argument} starts with '//' (a URL to another host): " . self::shown($target)
                . "; an API path starts with a single '/'"
            );
        }
        if (str_starts_with($target, '/')) {
            // The authority ends at the base's first '/': a path cannot change the host.
            return $this->base . $target;
        } elseif (preg_match('#^https?://#i', $target) === 1) {
            $url = $target;
        } else {
            throw new UsageError(
                "{$argument} must start with '/' (or be a URL on {$this->scheme}://{$this->netloc}), not "
                . self::shown($target)
            );
        }
        $this->sameOrigin($url, $argument);
        return $url;
    }

    private function sameOrigin(string $url, string $argument): void
    {
        $parts = parse_url($url);
        if ($parts === false) {
            throw new UsageError("{$argument} is not a valid URL: " . self::shown($url));
        }
        $authority = explode('/', (string) preg_replace('#^[a-z]+://#i', '', $url), 2)[0];
        $authority = explode('?', explode('#', $authority, 2)[0], 2)[0];
        if (isset($parts['user']) || isset($parts['pass']) || str_contains($authority, '@')) {
            throw new UsageError("{$argument} must not carry credentials (user@): " . self::shown($url));
        }
        $scheme = strtolower((string) ($parts['scheme'] ?? ''));
        $host = strtolower(trim((string) ($parts['host'] ?? ''), '[]'));
        $port = (int) ($parts['port'] ?? (self::DEFAULT_PORTS[$scheme] ?? 0));
        if ($scheme !== $this->scheme || $host !== $this->host || $port !== $this->port) {
            throw new UsageError(
                "{$argument} points to {$scheme}://{$authority}, not to the platform "
                . "({$this->scheme}://{$this->netloc}): rcsdk sends its tokens only to the platform"
            );
        }
    }

    /** Refuse a credential or header value with a line break or other control character. */
    public static function checkField(string $name, #[\SensitiveParameter] ?string $value): void
    {
        if ($value !== null) {
            $control = self::control($value);
            if ($control !== null) {
                throw new UsageError("{$name} contains a control character ({$control})");
            }
        }
    }

    /** @param array<string, string> $headers */
    public static function checkHeaders(array $headers): void
    {
        foreach ($headers as $key => $value) {
            $key = (string) $key;
            if (preg_match('/^[!#$%&\'*+\-.^_`|~0-9A-Za-z]+$/', $key) !== 1) {
                throw new UsageError('header name ' . self::shown($key) . ' is not a valid HTTP header name');
            }
            $control = self::control(str_replace("\t", ' ', $value));
            if ($control !== null) {
                throw new UsageError("header {$key} contains a control character ({$control})");
            }
        }
    }

    private static function control(string $value): ?string
    {
        if (preg_match('/[\x00-\x1f\x7f]/', $value, $m) === 1) {
            return match ($m[0]) {
                "\r" => '\\r',
                "\n" => '\\n',
                "\t" => '\\t',
                default => sprintf('\\x%02x', ord($m[0])),
            };
        }
        return null;
    }

    /** A value for a message: credentials (`user:pw@`) and secret-named parameters blanked. */
    private static function shown(string $value, int $limit = 60): string
    {
        $value = (string) preg_replace('#(//)[^/?\#@]*@#', '$1' . Redactor::REDACTED . '@', Redactor::named($value));
        $text = "'" . addcslashes($value, "\0..\37\177'\\") . "'";
        return strlen($text) <= $limit ? $text : substr($text, 0, $limit - 4) . "...'";
    }
}
