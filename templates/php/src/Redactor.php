<?php

declare(strict_types=1);

namespace Rcsdk;

/**
 * Keeps secrets out of every message, var_dump, log line and exception rcsdk makes.
 *
 * By name: form fields, query parameters and JSON keys that hold secrets (`password`,
 * `access_token`, `client_secret`, `jwt`, ...) and the credentials of Authorization headers are
 * blanked wherever they appear. By value: a Redactor remembers the secrets one platform has seen
 * and blanks them, and the forms a server may echo them in (URL-, form- and JSON-encoded).
 * Credentials (add) are kept for the platform's life; tokens (addTokens) only for the last
 * TOKEN_GENERATIONS rotations.
 */
final class Redactor
{
    public const REDACTED = '[REDACTED]';
    public const TOKEN_GENERATIONS = Constants::TOKEN_GENERATIONS;
    /** Secrets shorter than this are blanked only where they stand alone. */
    private const SHORT = 6;
    private const EXTRA_NAMES = Constants::EXTRA_SECRET_NAMES;
    private const SECRET_HEADERS = Constants::SECRET_HEADERS;

    /** The secrets and their forms (a RedactorSecrets), sealed: see RedactorSecrets. */
    private readonly \Closure $secrets;
    private bool $dirty = false;

    public function __construct()
    {
        $secrets = new RedactorSecrets();
        $this->secrets = static fn (): RedactorSecrets => $secrets;
    }

    private function known(): RedactorSecrets
    {
        return ($this->secrets)();
    }

    /** Credentials: the app secret, passwords, JWTs, codes. Kept for the Redactor's life. */
    public function add(#[\SensitiveParameter] ?string ...$values): void
    {
        foreach ($values as $value) {
            if ($value !== null && $value !== '' && !isset($this->known()->credentials[$value])) {
                $this->known()->credentials[$value] = true;
                $this->dirty = true;
            }
        }
    }

    /** Tokens issued together (one rotation). The last few rotations are kept. */
    public function addTokens(#[\SensitiveParameter] ?string ...$values): void
    {
        $generation = array_values(array_filter($values, static fn (?string $v): bool => $v !== null && $v !== ''));
        if ($generation === [] || in_array($generation, $this->known()->generations, true)) {
            return;
        }
        $this->known()->generations[] = $generation;
        if (count($this->known()->generations) > self::TOKEN_GENERATIONS + 1) {
            array_shift($this->known()->generations);
        }
        $this->dirty = true;
    }

    /** @return list<string> every value this Redactor blanks (without the encoded forms) */
    public function secrets(): array
    {
        $all = array_keys($this->known()->credentials);
        foreach ($this->known()->generations as $generation) {
            array_push($all, ...$generation);
        }
        return array_values(array_unique(array_map('strval', $all)));
    }

    /** `$text` with every known secret (and every named secret value) blanked. */
    public function text(string $text): string
    {
        $text = self::named($text);
        if ($this->dirty) {
            $this->compile();
            $this->dirty = false;
        }
        $known = $this->known();
        if ($known->long !== []) {
            $text = strtr($text, $known->long);
        }
        if ($known->short === null) {
            return $text;
        }
        return preg_replace($known->short, self::REDACTED, $text) ?? self::REDACTED;
    }

    /** A decoded JSON value with secret keys and every known secret blanked, at any depth. */
    public function value(mixed $value, int $depth = 0): mixed
    {
        if ($depth > 64) {
            return self::REDACTED;
        }
        if (is_array($value)) {
            $out = [];
            foreach ($value as $key => $item) {
                $out[$key] = is_string($key) && self::isSecretName($key) && $item !== null
                    ? self::REDACTED : $this->value($item, $depth + 1);
            }
            return $out;
        }
        return is_string($value) ? $this->text($value) : $value;
    }

    /**
     * Long forms are replaced by strtr() (one pass, the longest form first, linear in the text
     * whatever a secret's size); only short forms need a pattern, for their lookarounds. One
     * pattern of every form failed to compile for a 1 MB secret, and then every later message
     * became [REDACTED].
     */
    private function compile(): void
    {
        $this->known()->long = [];
        $short = [];
        foreach ($this->secrets() as $secret) {
            foreach (self::encodings($secret) as $form) {
                if (strlen($form) >= self::SHORT) {
                    $this->known()->long[$form] = self::REDACTED;
                } else {
                    $short[$form] = true;
                }
            }
        }
        $forms = array_map('strval', array_keys($short));
        usort($forms, static fn (string $a, string $b): int => strlen($b) <=> strlen($a) ?: strcmp($a, $b));
        $parts = array_map(static fn (string $form): string => '(?<![\w%\\\\])' . preg_quote($form, '/') . '(?!\w)', $forms);
        $this->known()->short = $parts === [] ? null : '/' . implode('|', $parts) . '/';
    }

    /** @return list<string> the ways a server may echo `$secret` back */
    private static function encodings(string $secret): array
    {
        $forms = [$secret];
        foreach ([rawurlencode($secret), str_replace('%20', '+', rawurlencode($secret)), urlencode($secret)] as $quoted) {
            $forms[] = $quoted;
            $forms[] = (string) preg_replace_callback('/%[0-9A-F]{2}/', static fn (array $m): string => strtolower($m[0]), $quoted);
        }
        foreach ([JSON_UNESCAPED_SLASHES, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE, 0] as $flags) {
            $json = json_encode($secret, $flags | JSON_INVALID_UTF8_SUBSTITUTE);
            if (is_string($json) && strlen($json) > 2) {
                $forms[] = substr($json, 1, -1);
            }
        }
        return array_values(array_unique(array_filter($forms, static fn (string $f): bool => $f !== '')));
    }

    public static function isSecretName(string $name): bool
    {
        $name = strtolower($name);
        return in_array($name, Constants::SECRET_FIELDS, true) || in_array($name, self::EXTRA_NAMES, true);
    }

    /** `$text` with the values of secret-named parameters and Authorization credentials blanked. */
    public static function named(string $text): string
    {
        $text = (string) preg_replace_callback(
            '/\b(Bearer|Basic)(\s+)([A-Za-z0-9._~+\/=-]+)/i',
            static fn (array $m): string => preg_match('/[0-9._~+\/=-]|[a-z][A-Z]|^[A-Z]{2,}$/', $m[3]) === 1
                ? $m[1] . $m[2] . self::REDACTED : $m[0],
            $text,
        );
        static $pattern = null;
        if ($pattern === null) {
            $names = array_merge(Constants::SECRET_FIELDS, self::EXTRA_NAMES);
            usort($names, static fn (string $a, string $b): int => strlen($b) <=> strlen($a));
            $alternatives = implode('|', array_map(static fn (string $n): string => preg_quote($n, '/'), $names));
            $pattern = '/(\b(?:' . $alternatives . ')=)[^&\s#"\']*|("(?:' . $alternatives . ')"\s*:\s*")(?:[^"\\\\]++|\\\\.)*+(")/i';
        }
        return (string) preg_replace_callback(
            $pattern,
            static fn (array $m): string => ($m[1] ?? '') !== '' ? $m[1] . self::REDACTED : $m[2] . self::REDACTED . $m[3],
            $text,
        );
    }

    /**
     * A form or query with its secret fields blanked, for logs.
     *
     * @param array<string, mixed>|null $fields
     * @return array<string, mixed>
     */
    public static function form(?array $fields): array
    {
        $out = [];
        foreach ($fields ?? [] as $key => $value) {
            $out[$key] = self::isSecretName((string) $key) ? self::REDACTED : $value;
        }
        return $out;
    }

    /**
     * Headers with credentials blanked (the scheme of Authorization is kept).
     *
     * @param array<string, string> $headers
     * @return array<string, string>
     */
    public static function headers(array $headers): array
    {
        $out = [];
        foreach ($headers as $key => $value) {
            if (in_array(strtolower((string) $key), self::SECRET_HEADERS, true)) {
                $space = strpos($value, ' ');
                $out[$key] = $space === false ? self::REDACTED : substr($value, 0, $space) . ' ' . self::REDACTED;
            } else {
                $out[$key] = $value;
            }
        }
        return $out;
    }

    /** A response body for a debug log: JSON with secrets blanked, anything else cut short. */
    public static function body(string $content, int $limit = 2000): string
    {
        if ($content === '') {
            return '(empty)';
        }
        $value = ApiResponse::decode($content);
        if ($value === null) {
            return '(' . strlen($content) . ' bytes, not JSON)';
        }
        $text = (string) json_encode((new self())->value($value), JSON_UNESCAPED_SLASHES | JSON_INVALID_UTF8_SUBSTITUTE);
        return strlen($text) <= $limit ? $text : substr($text, 0, $limit) . '...';
    }

    /** @return array<string, mixed> */
    public function __debugInfo(): array
    {
        return ['secrets' => count($this->secrets())];
    }
}
