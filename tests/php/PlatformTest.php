<?php

declare(strict_types=1);

// The PHP client against the local platform (rcsdk.testing serve): the reference's API, events,
// auth data, refresh margin with an injected clock, redaction.

namespace Rcsdk\Tests;

use PHPUnit\Framework\TestCase;
use Rcsdk\AuthorizationRequest;
use Rcsdk\Event;
use Rcsdk\ExtensionInfo;
use Rcsdk\InvalidGrantError;
use Rcsdk\LoginRequiredError;
use Rcsdk\Platform;
use Rcsdk\RCSDK;
use Rcsdk\TokenInfo;
use Rcsdk\UsageError;

final class PlatformTest extends TestCase
{
    private function local(mixed ...$options): Platform
    {
        return platform(Local::url(), ...$options);
    }

    public function testJwtLoginCallRefreshLogoutWithEvents(): void
    {
        $platform = $this->local();
        $events = [];
        foreach (Event::all() as $event) {
            $platform->on($event, function (mixed $payload) use (&$events, $event): void {
                $events[] = $event;
            });
        }
        $env = Local::env();
        $token = $platform->loginJwt($env['RC_JWT']);
        $this->assertInstanceOf(TokenInfo::class, $token);
        $this->assertSame('bearer', $token->tokenType);
        $this->assertTrue($platform->isAuthorized());
        $extension = $platform->readExtension();
        $this->assertInstanceOf(ExtensionInfo::class, $extension);
        $this->assertSame($env['RC_EXTENSION'], $extension->extensionNumber);
        $this->assertSame($extension->id, $platform->get('/restapi/v1.0/account/~/extension/~')->json()['id']);
        $refreshed = $platform->refresh();
        $this->assertNotSame($token->accessToken, $refreshed->accessToken);
        $platform->logout();
        $this->assertFalse($platform->isAuthorized());
        $this->assertSame([Event::LOGIN_SUCCESS, Event::REFRESH_SUCCESS, Event::LOGOUT_SUCCESS], $events);
        $this->expectException(LoginRequiredError::class);
        $platform->get('/restapi/v1.0/account/~/extension/~');
    }

    public function testPasswordGrantAndOriginalEventNames(): void
    {
        $env = Local::env();
        $sdk = new RCSDK($env['RC_APP_KEY'], $env['RC_APP_SECRET'], $env['RC_SERVER']);
        $platform = $sdk->getPlatform();
        $errors = [];
        $platform->on('loginError', function (mixed $error) use (&$errors): void {
            $errors[] = $error;
        });
        $platform->authorize($env['RC_USERNAME'], $env['RC_EXTENSION'], $env['RC_PASSWORD']);
        $this->assertTrue($platform->isAuthorized());
        try {
            $platform->authorize($env['RC_USERNAME'], $env['RC_EXTENSION'], 'not-the-password');
            $this->fail('a wrong password was accepted');
        } catch (InvalidGrantError $error) {
            $this->assertSame('OAU-140', $error->errorCode());
            $this->assertStringNotContainsString('not-the-password', (string) $error);
            $this->assertStringNotContainsString('not-the-password', print_r($error, true));
        }
        $this->assertCount(1, $errors);
        $this->expectException(UsageError::class);
        $platform->on('no-such-event', static fn () => null);
    }

    public function testAuthorizationCodeWithPkce(): void
    {
        $env = Local::env();
        $platform = $this->local();
        $request = $platform->authorizeUrl($env['RC_REDIRECT_URI']);
        $this->assertInstanceOf(AuthorizationRequest::class, $request);
        parse_str((string) parse_url($request->url, PHP_URL_QUERY), $query);
        $this->assertSame('S256', $query['code_challenge_method']);
        $this->assertSame($request->state, $query['state']);
        $this->assertStringNotContainsString($request->codeVerifier, print_r($request, true));
        // The browser's part: the platform redirects at once, with the code.
        $curl = curl_init($request->url);
        curl_setopt_array($curl, [CURLOPT_RETURNTRANSFER => true, CURLOPT_HEADER => true]);
        $head = (string) curl_exec($curl);
        $this->assertSame(1, preg_match('/^location: (.*)$/mi', $head, $m));
        parse_str((string) parse_url(trim($m[1]), PHP_URL_QUERY), $answer);
        $this->assertSame($request->state, $answer['state']);
        $platform->loginAuthCode($answer['code'], redirectUri: $request->redirectUri, codeVerifier: $request->codeVerifier);
        $this->assertTrue($platform->isAuthorized());
    }

    public function testRefreshMarginWithAnInjectedClock(): void
    {
        $clock = new FakeClock(microtime(true));
        $platform = $this->local(clock: $clock->clock(), refreshMargin: 60.0);
        $token = $platform->loginJwt(Local::env()['RC_JWT']);
        $refreshes = 0;
        $platform->on(Event::REFRESH_SUCCESS, function () use (&$refreshes): void {
            $refreshes++;
        });
        $clock->now += $token->expiresIn - 61;
        $platform->readExtension();
        $this->assertSame(0, $refreshes, 'refreshed before the margin');
        $clock->now += 2;
        $platform->readExtension();
        $this->assertSame(1, $refreshes, 'not refreshed within the margin');
        $platform->readExtension();
        $this->assertSame(1, $refreshes);
    }

    // A 401 token error: one refresh, one retry (generated/cases.json, CasesTest).

    public function testARevokedSessionFiresAccessViolationOnce(): void
    {
        $platform = $this->local();
        $platform->loginJwt(Local::env()['RC_JWT']);
        $violations = [];
        $platform->on(Event::ACCESS_VIOLATION, function (mixed $error) use (&$violations): void {
            $violations[] = $error;
        });
        Local::control('revoke-sessions');
        try {
            $platform->readExtension();
            $this->fail('a revoked session kept working');
        } catch (InvalidGrantError $error) {
            $this->assertSame('invalid_grant', $error->error);
        }
        $this->assertCount(1, $violations);
        $this->assertFalse($platform->isAuthorized());
    }

    public function testAuthDataRoundTripsAndIsTheSharedFormat(): void
    {
        $platform = $this->local();
        $platform->loginJwt(Local::env()['RC_JWT']);
        $data = $platform->getAuthData();
        $this->assertSame(['version', 'token', 'expires_at', 'refresh_token_expires_at', 'origin', 'app_key'], array_keys($data));
        $other = $this->local();
        $other->setAuthData(json_decode((string) json_encode($data), true));
        $this->assertSame($data, $other->getAuthData());
        $this->assertSame('101', $other->readExtension()->extensionNumber);
        $other->setAuthData([]);
        $this->assertFalse($other->isAuthorized());
        $this->expectException(\Rcsdk\AuthDataError::class);
        $other->setAuthData(['version' => 99]);
    }

    public function testSecretsStayOutOfMessagesDumpsAndLogs(): void
    {
        $env = Local::env();
        $lines = [];
        $sdk = new RCSDK($env['RC_APP_KEY'], $env['RC_APP_SECRET'], $env['RC_SERVER'], logger: function (string $level, string $message) use (&$lines): void {
            $lines[] = "{$level} {$message}";
        });
        $platform = $sdk->getPlatform();
        $token = $platform->loginJwt($env['RC_JWT']);
        $platform->readExtension();
        $platform->refresh();
        $secrets = [$env['RC_APP_SECRET'], $env['RC_JWT'], $token->accessToken, (string) $token->refreshToken, base64_encode($env['RC_APP_KEY'] . ':' . $env['RC_APP_SECRET'])];
        ob_start();
        var_dump($sdk, $platform, $token, $platform->getAuthData() === [] ? null : \Rcsdk\AuthState::fromJson($platform->getAuthData()));
        $dumped = (string) ob_get_clean();
        $texts = [
            'var_dump' => $dumped,
            'print_r' => print_r($sdk, true) . print_r($token, true),
            'toString' => (string) $sdk . (string) $platform,
            'logs' => implode("\n", $lines),
        ];
        $this->assertNotEmpty($lines);
        foreach ($texts as $where => $text) {
            foreach ($secrets as $secret) {
                $this->assertStringNotContainsString($secret, $text, "a secret in {$where}");
            }
        }
        $this->assertStringContainsString('[REDACTED]', $dumped);
    }

    public function testFromEnv(): void
    {
        $env = Local::env();
        $sdk = RCSDK::fromEnv($env);
        $this->assertSame($env['RC_JWT'], $sdk->settings->jwt);
        $sdk->getPlatform()->loginJwt((string) $sdk->settings->jwt);
        $this->assertTrue($sdk->getPlatform()->isAuthorized());
        $this->assertStringNotContainsString($env['RC_JWT'], print_r($sdk->settings, true));
        $this->expectException(UsageError::class);
        RCSDK::fromEnv(['RC_SERVER' => $env['RC_SERVER']]);
    }
}
