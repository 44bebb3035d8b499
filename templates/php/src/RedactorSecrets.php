<?php

declare(strict_types=1);

namespace Rcsdk;

/**
 * What a Redactor knows: the secrets and the forms it blanks. Only a Redactor holds one, sealed
 * in a closure, so that no serialization of a Redactor (or of what holds it: a Platform, an
 * RCSDK) shows them: var_export(), serialize(), json_encode() and (array) casts do not reach it.
 *
 * @internal
 */
final class RedactorSecrets
{
    /** @var array<string, true> */
    public array $credentials = [];
    /** @var list<list<string>> */
    public array $generations = [];
    /** @var array<string, string> long forms => REDACTED, for strtr() */
    public array $long = [];
    /** the pattern of the short forms (null: none) */
    public ?string $short = null;
}
