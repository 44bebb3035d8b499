<?php

declare(strict_types=1);

namespace Rcsdk;

/**
 * Which proxy a client sends through, decided once when it is made (the same rule in every
 * language: docs/SECURITY.md, "Proxies and response size"; _proxy.py and proxy.ts are its twins).
 *
 * - `proxy: 'http://host:port'` sends every request through that proxy; `proxy: ''` sends none
 *   through a proxy, whatever the environment says;
 * - otherwise an https:// server is reached through `https_proxy` (or `HTTPS_PROXY`) unless
 *   `no_proxy` (or `NO_PROXY`) names its host;
 * - a plain http:// server (loopback, or opted in) is never reached through a proxy from the
 *   environment: `http_proxy`, `HTTP_PROXY` and `ALL_PROXY` are not read (curl is told so), so
 *   credentials sent in the clear never go to a host the environment names.
 */
final class Proxy
{
    private function __construct(
        /** The proxy for curl: http://[user:password@]host:port. */
        #[\SensitiveParameter] public readonly string $url,
        /** host:port, for messages. */
        public readonly string $netloc,
        /** @var list<string> what the redactor must blank */
        public readonly array $secrets,
    ) {
    }

    /** @return array<string, mixed> */
    public function __debugInfo(): array
    {
        return ['netloc' => $this->netloc];
    }

    /** `$value` as a proxy (http:// assumed without a scheme), or a UsageError naming `$source`. */
    public static function parse(#[\SensitiveParameter] string $value, string $source): self
    {
        $usage = "{$source} must be http://[user:password@]host[:port]";
        if (preg_match('/[\x00-\x20\x7f\\\\]/', $value) === 1) {
            throw new UsageError("{$usage}, without spaces, backslashes or control characters");
        }
        if (!str_contains($value, '://')) {
            $value = "http://{$value}";
        }
        $parts = parse_url($value);
        if ($parts === false || strtolower($parts['scheme'] ?? '') !== 'http' || ($parts['host'] ?? '') === ''
            || !in_array($parts['path'] ?? '', ['', '/'], true) || isset($parts['query']) || isset($parts['fragment'])
            || str_contains($value, '?') || str_contains($value, '#')) {
            throw new UsageError($usage);
        }
        $host = strtolower(trim($parts['host'], '[]'));
        $port = $parts['port'] ?? 80;
        $netloc = str_contains($host, ':') ? "[{$host}]:{$port}" : "{$host}:{$port}";
        $userinfo = '';
        $secrets = [];
        if (isset($parts['user']) || isset($parts['pass'])) {
            $userinfo = ($parts['user'] ?? '') . (isset($parts['pass']) ? ':' . $parts['pass'] : '') . '@';
            if (($parts['pass'] ?? '') !== '') {
                $secrets = array_values(array_unique([$parts['pass'], rawurldecode($parts['pass'])]));
            }
        }
        return new self("http://{$userinfo}{$netloc}", $netloc, $secrets);
    }

    /** Whether `$noProxy` (comma-separated names, `.suffix` or `*`) names `$host`. */
    public static function bypassed(string $host, string $noProxy): bool
    {
        $host = strtolower(trim($host, '[]'));
        foreach (explode(',', $noProxy) as $entry) {
            $entry = strtolower(trim($entry));
            if ($entry === '*') {
                return true;
            }
            if (substr_count($entry, ':') === 1) { // name:port; the port does not matter
                $entry = explode(':', $entry)[0];
            }
            $entry = ltrim(trim($entry, '[]'), '.');
            if ($entry !== '' && ($host === $entry || str_ends_with($host, ".{$entry}"))) {
                return true;
            }
        }
        return false;
    }

    /**
     * The proxy for a server (`$scheme`, `$host`), by the proxy option and the environment;
     * null: connect directly.
     *
     * @param array<string, string> $env
     */
    public static function choose(string $scheme, string $host, #[\SensitiveParameter] ?string $option, array $env): ?self
    {
        if ($option !== null) {
            return $option === '' ? null : self::parse($option, 'proxy');
        }
        if ($scheme !== 'https') {
            return null;
        }
        foreach (['https_proxy', 'HTTPS_PROXY'] as $name) {
            $value = $env[$name] ?? '';
            if ($value !== '') {
                $noProxy = ($env['no_proxy'] ?? '') !== '' ? $env['no_proxy'] : ($env['NO_PROXY'] ?? '');
                return self::bypassed($host, $noProxy) ? null : self::parse($value, $name);
            }
        }
        return null;
    }
}
