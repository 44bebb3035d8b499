<?php
// Copied verbatim from templates/php/src/Read.php by rcsdk's generator.
// Do not edit: change templates/php/src/Read.php and run `make generate`.

declare(strict_types=1);

namespace Rcsdk;

/**
 * Lenient readers for decoded JSON: a missing or mistyped value becomes null.
 *
 * RingCentral's real responses have lacked fields the spec calls required, sent ids as strings
 * or numbers, and added fields; the typed models read them through these.
 */
final class Read
{
    public static function str(mixed $value): ?string
    {
        if (\is_string($value)) {
            return $value;
        }
        if (\is_int($value)) {
            return (string) $value;
        }
        if (\is_float($value) && \is_finite($value)) {
            return $value == \floor($value) && \abs($value) < 1e15 ? (string) (int) $value : (string) $value;
        }
        return null;
    }

    public static function int(mixed $value): ?int
    {
        if (\is_int($value)) {
            return $value;
        }
        if (\is_float($value) && \is_finite($value) && $value == \floor($value) && \abs($value) <= PHP_INT_MAX) {
            return (int) $value;
        }
        if (\is_string($value) && \preg_match('/^\s*-?\d{1,18}\s*$/', $value) === 1) {
            return (int) \trim($value);
        }
        return null;
    }

    public static function float(mixed $value): ?float
    {
        if (\is_int($value) || (\is_float($value) && \is_finite($value))) {
            return (float) $value;
        }
        return null;
    }

    public static function bool(mixed $value): ?bool
    {
        return \is_bool($value) ? $value : null;
    }

    public static function any(mixed $value): mixed
    {
        return $value;
    }

    /**
     * A JSON object as an array (anything else is an empty array).
     *
     * @return array<string, mixed>
     */
    public static function map(mixed $value): array
    {
        if (!\is_array($value) || ($value !== [] && \array_is_list($value))) {
            return [];
        }
        /** @var array<string, mixed> $value */
        return $value;
    }

    public static function isMap(mixed $value): bool
    {
        return \is_array($value) && ($value === [] || !\array_is_list($value));
    }

    /**
     * The objects of a JSON list (anything else in it is skipped).
     *
     * @return list<array<string, mixed>>
     */
    public static function items(mixed $value): array
    {
        if (!\is_array($value) || !\array_is_list($value)) {
            return [];
        }
        $out = [];
        foreach ($value as $item) {
            if (self::isMap($item)) {
                $out[] = self::map($item);
            }
        }
        return $out;
    }
}
