<?php

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

    public static function of(#[\SensitiveParameter] string $server, bool $allowInsecureHttp = false): self
    {
        if (preg_match('/[^\x21-\x7e]/', $server) === 1 || str_contains($server, '\\')) {
            throw new UsageError(
                'server contains a control character, space, backslash or non-ASCII character: ' . self::shown($server)
            );
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
        [$host, $port] = self::hostOf($server);
        $port ??= self::DEFAULT_PORTS[$scheme];
        $netloc = $port === self::DEFAULT_PORTS[$scheme] ? $host : "{$host}:{$port}";
        $host = trim($host, '[]');
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

    /**
     * Whether `$host` is this machine's loopback interface, known without a DNS lookup: a literal
     * loopback address (127.0.0.0/8, ::1) or exactly `localhost` (not `localhost.`, `x.localhost`
     * or `127.0.0.1.`: names that DNS answers for).
     */
    public static function isLoopback(string $host): bool
    {
        $host = strtolower($host);
        if ($host === 'localhost') {
            return true;
        }
        if (preg_match(self::IPV4, $host) === 1) {
            return str_starts_with($host, '127.');
        }
        return self::ipv6(trim($host, '[]')) === '::1';
    }

    private const OCTET = '(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])';
    private const IPV4 = '/^(?:' . self::OCTET . '\.){3}' . self::OCTET . '$/D';

    /**
     * The host (lower case, IPv6 compressed in brackets) and port of `$server`'s authority, by
     * the one reading every rcsdk client shares: a name of dot-separated labels (letters,
     * digits, '-', '_') whose last label is not a number, a dotted-quad IPv4 address in plain
     * decimal, or a bracketed IPv6 address. Anything else (a trailing dot, '%', 127.1,
     * 0x7f.0.0.1, a zone id) is refused: URL parsers read such hosts differently.
     *
     * @return array{string, ?int}
     */
    private static function hostOf(#[\SensitiveParameter] string $server): array
    {
        $authority = preg_match('#^[A-Za-z][A-Za-z0-9+.-]*://([^/?\#]*)#', $server, $m) === 1 ? $m[1] : '';
        if (str_contains($authority, '@')) {
            throw new UsageError('server must not carry credentials (user:password@): rcsdk authenticates itself');
        }
        $port = null;
        if (preg_match('/^(\[[0-9A-Fa-f:]+\]|[^:\[\]]+)(?::([0-9]{1,5}))?$/D', $authority, $parts) === 1) {
            $port = isset($parts[2]) ? (int) $parts[2] : null;
        }
        if ($parts === [] || $port === 0 || ($port ?? 0) > 65535) {
            throw new UsageError('server has no valid host and port: ' . self::shown($server));
        }
        $host = strtolower($parts[1]);
        if (str_starts_with($host, '[')) {
            $compressed = self::ipv6(substr($host, 1, -1));
            if ($compressed === null) {
                throw new UsageError('server has an invalid IPv6 address: ' . self::shown($server));
            }
            return ["[{$compressed}]", $port];
        }
        $labels = explode('.', $host);
        $last = $labels[count($labels) - 1];
        $numeric = ctype_digit($last) || str_starts_with($last, '0x');
        $names = array_filter($labels, static fn (string $l): bool => preg_match('/^[a-z0-9_-]+$/D', $l) === 1);
        if (count($names) !== count($labels) || ($numeric && preg_match(self::IPV4, $host) !== 1)) {
            throw new UsageError(
                'server host ' . self::shown($host) . " is not a name (letters, digits, '-' and '_' between dots, "
                . 'no trailing dot), a dotted-quad IPv4 address or a bracketed IPv6 address'
            );
        }
        return [$host, $port];
    }

    /** An IPv6 address in RFC 5952 form (as Python's ipaddress and the WHATWG URL write it), or null. */
    private static function ipv6(string $address): ?string
    {
        if (str_contains($address, '.') || filter_var($address, FILTER_VALIDATE_IP, FILTER_FLAG_IPV6) === false) {
            return null;
        }
        $groups = array_map(static fn (int $g): string => dechex($g), array_values(unpack('n8', (string) inet_pton($address))));
        // The longest run of two or more zero groups (the first of equals) becomes '::'.
        [$best, $bestLength, $start] = [-1, 1, -1];
        foreach ([...$groups, 'end'] as $i => $group) {
            if ($group === '0' && $start < 0) {
                $start = $i;
            } elseif ($group !== '0' && $start >= 0) {
                if ($i - $start > $bestLength) {
                    [$best, $bestLength] = [$start, $i - $start];
                }
                $start = -1;
            }
        }
        if ($best < 0) {
            return implode(':', $groups);
        }
        return implode(':', array_slice($groups, 0, $best)) . '::' . implode(':', array_slice($groups, $best + $bestLength));
    }

    /** `scheme://host:port`, the port always written: the origin auth data records (as every rcsdk client writes it). */
    public function key(): string
    {
        $host = str_contains($this->host, ':') ? "[{$this->host}]" : $this->host;
        return "{$this->scheme}://{$host}:{$this->port}";
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
        if (preg_match('/[^\x21-\x7e]/', $target) === 1) {
            throw new UsageError("{$argument} contains a space or a non-ASCII character (percent-encode it): " . self::shown($target));
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

    /** @param array<mixed> $headers */
    public static function checkHeaders(array $headers): void
    {
        foreach ($headers as $key => $value) {
            $key = (string) $key;
            if (preg_match('/^[!#$%&\'*+\-.^_`|~0-9A-Za-z]+$/', $key) !== 1) {
                throw new UsageError('header name ' . self::shown($key) . ' is not a valid HTTP header name');
            }
            if (!is_string($value)) {
                throw new UsageError("header {$key} must be a string, not " . get_debug_type($value));
            }
            $control = self::control(str_replace("\t", ' ', $value));
            if ($control !== null) {
                throw new UsageError("header {$key} contains a control character ({$control})");
            }
            if (preg_match('/[^\x09\x20-\x7e]/', $value) === 1) {
                // One rule in every language: HTTP libraries send other characters differently.
                throw new UsageError("header {$key} contains a non-ASCII character");
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
