<?php
// Copied verbatim from templates/php/src/RCSDK.php by rcsdk's generator.
// Do not edit: change templates/php/src/RCSDK.php and run `make generate`.

declare(strict_types=1);

namespace Rcsdk;

/**
 * The SDK: one app on one server, and its platform.
 *
 * `new RCSDK($appKey, $appSecret, $server)` as in the original SDK; named options go to
 * Platform (store, timeout, refreshMargin, autoRefresh, maxRetries, clock, sleep, logger, ...).
 * The server (it may carry user:password@ or a secret query), the proxy (its password), the
 * other options and the environment are sensitive parameters: a trace's arguments never show
 * them. The proxy is a parameter of its own because PHP shows a named argument that a variadic
 * collects, #[\SensitiveParameter] or not.
 */
final class RCSDK implements \JsonSerializable
{
    public const SERVER_PRODUCTION = Constants::PRODUCTION_SERVER;

    public Settings $settings;
    private readonly Platform $platform;

    public function __construct(
        string $appKey,
        #[\SensitiveParameter] ?string $appSecret,
        #[\SensitiveParameter] string $server = Constants::PRODUCTION_SERVER,
        #[\SensitiveParameter] ?string $proxy = null,
        #[\SensitiveParameter] mixed ...$options,
    ) {
        $this->settings = new Settings(server: $server, appKey: $appKey, appSecret: $appSecret);
        $this->platform = new Platform($appKey, $appSecret, $server, ...$options, proxy: $proxy);
    }

    /**
     * Build the SDK from RC_SERVER, RC_APP_KEY and RC_APP_SECRET (RC_SERVER defaults to
     * production). `$sdk->settings` keeps every RC_* variable (RC_JWT, RC_USERNAME, ...) for the
     * login of your choice.
     *
     * @param array<string, string>|null $environment getenv() when null
     */
    public static function fromEnv(
        #[\SensitiveParameter] ?array $environment = null,
        #[\SensitiveParameter] ?string $proxy = null,
        #[\SensitiveParameter] mixed ...$options,
    ): self {
        $settings = Settings::fromEnv($environment);
        if ($settings->appKey === null) {
            throw new UsageError('RC_APP_KEY is not set');
        }
        if ($settings->server === null) {
            // Production by default, said where a person sees it (a sandbox or local app fails there).
            $line = 'rcsdk: no server given (RC_SERVER is not set): using production, ' . Constants::PRODUCTION_SERVER;
            $logger = $options['logger'] ?? null;
            is_callable($logger) ? $logger('warning', $line) : error_log($line);
        }
        $sdk = new self($settings->appKey, $settings->appSecret, $settings->server ?? Constants::PRODUCTION_SERVER, $proxy, ...$options);
        $sdk->settings = $settings;
        return $sdk;
    }

    /** The platform: logins, tokens and authenticated calls. */
    public function getPlatform(): Platform
    {
        return $this->platform;
    }

    /** @return array<string, mixed> */
    public function __debugInfo(): array
    {
        return ['platform' => $this->platform, 'settings' => $this->settings];
    }

    public function __toString(): string
    {
        return "RCSDK(appKey={$this->platform->appKey}, server={$this->platform->server})";
    }

    /** @return array<string, mixed> what json_encode() writes: no secret */
    public function jsonSerialize(): array
    {
        return ['appKey' => $this->platform->appKey, 'server' => $this->platform->server, 'settings' => $this->settings];
    }

    /** @return array<string, mixed> */
    public function __serialize(): array
    {
        throw new \LogicException(self::class . ' holds secrets and is not serialized; save its platform\'s getAuthData() instead');
    }

    /** @param array<string, mixed> $data */
    public function __unserialize(array $data): void
    {
        throw new \LogicException(self::class . ' is not unserialized');
    }
}
