<?php

declare(strict_types=1);

// Issue #15 in PHP: tokens never leave for another host, hostile input finds no way in. Each
// case asserts that nothing reached the foreign listener and that the error is typed and
// names the problem.

namespace Rcsdk\Tests;

use PHPUnit\Framework\TestCase;
use Rcsdk\RCSDK;
use Rcsdk\RedirectError;
use Rcsdk\UsageError;

final class SecurityTest extends TestCase
{
    /** @return array<string, array{string, string}> */
    public static function paths(): array
    {
        return [
            'foreign absolute URL' => ['http://127.0.0.2:{port}/steal', 'not to the platform'],
            'scheme-relative URL' => ['//127.0.0.2:{port}/steal', "starts with '//'"],
            '@-injection' => ['@127.0.0.2:{port}/x', "must start with '/'"],
            'credentials in a same-host URL' => ['{server}@127.0.0.2:{port}/x', 'credentials'],
            'backslash' => ['/\\127.0.0.2/x', 'backslash'],
            'CR/LF' => ["/x\r\nHost: 127.0.0.2", 'control character (\\r)'],
            'NUL' => ["/x\0", 'control character'],
            'relative path' => ['restapi/v1.0/x', "must start with '/'"],
        ];
    }

    /** @dataProvider paths */
    public function testPathsCannotReachAnotherHost(string $path, string $named): void
    {
        $foreign = Scripted::start([]);
        $port = (string) parse_url($foreign, PHP_URL_PORT);
        $platform = platform(Local::url());
        $platform->loginJwt(Local::env()['RC_JWT']);
        $path = str_replace(['{port}', '{server}'], [$port, Local::url()], $path);
        foreach (['get', 'delete'] as $method) {
            try {
                $platform->{$method}($path);
                $this->fail("{$method} {$path} was sent");
            } catch (UsageError $error) {
                $this->assertStringContainsString($named, $error->getMessage());
                $this->assertStringContainsString('path', $error->getMessage());
            }
        }
        $this->assertSame([], Scripted::seen());
    }

    public function testASameOriginAbsoluteUrlWorks(): void
    {
        $platform = platform(Local::url());
        $platform->loginJwt(Local::env()['RC_JWT']);
        $this->assertSame(200, $platform->get(Local::url() . '/restapi/v1.0/account/~/extension/~')->status);
    }

    /** @return array<string, array{string, string}> */
    public static function fields(): array
    {
        return [
            'username' => ['username', "+1650\r\nX-Injected: 1"],
            'extension' => ['extension', "101\nX-Injected: 1"],
        ];
    }

    /** @dataProvider fields */
    public function testLineBreaksInCredentialsAreRefused(string $field, string $value): void
    {
        $url = Scripted::start([]);
        $env = Local::env();
        $platform = platform($url);
        try {
            $platform->authorize($field === 'username' ? $value : $env['RC_USERNAME'], $field === 'extension' ? $value : '101', $env['RC_PASSWORD']);
            $this->fail('sent');
        } catch (UsageError $error) {
            $this->assertStringContainsString($field, $error->getMessage());
        }
        $this->assertSame([], Scripted::seen());
    }

    public function testLineBreaksInHeadersAreRefused(): void
    {
        $platform = platform(Local::url());
        $platform->loginJwt(Local::env()['RC_JWT']);
        $this->expectException(UsageError::class);
        $this->expectExceptionMessage('header X-Custom contains a control character');
        $platform->request('GET', '/restapi/v1.0/account/~/extension/~', headers: ['X-Custom' => "a\r\nHost: evil"]);
    }

    /** @return array<string, array{string, bool, ?string}> */
    public static function servers(): array
    {
        return [
            'plain http to a remote host' => ['http://platform.example', false, 'plain HTTP'],
            'plain http with the opt-in' => ['http://platform.example', true, null],
            'https' => ['https://platform.example', false, null],
            'loopback http' => ['http://127.0.0.1:8089', false, null],
            'credentials' => ['https://user:pw@platform.example', false, 'credentials'],
            'query' => ['https://platform.example/?x=1', false, 'query'],
            'fragment' => ['https://platform.example/#x', false, 'fragment'],
            'not http' => ['ftp://platform.example', false, 'http(s) URL'],
        ];
    }

    /** @dataProvider servers */
    public function testServerUrls(string $server, bool $optIn, ?string $named): void
    {
        $warnings = [];
        try {
            new RCSDK('key', 'secret', $server, allowInsecureHttp: $optIn, logger: function (string $level, string $m) use (&$warnings): void {
                $warnings[] = $level;
            });
            $this->assertNull($named, "{$server} was accepted");
        } catch (UsageError $error) {
            $this->assertNotNull($named, $error->getMessage());
            $this->assertStringContainsString($named, $error->getMessage());
            $this->assertStringNotContainsString('pw', $error->getMessage());
        }
        $this->assertSame($optIn ? ['warning'] : [], $warnings);
    }

    /** @return array<string, array{int, string, bool}> */
    public static function redirects(): array
    {
        $out = [];
        foreach ([301, 302, 303, 307, 308] as $status) {
            foreach (['token', 'revoke', 'api'] as $on) {
                $out["{$status} on {$on} to another host"] = [$status, $on, true];
                $out["{$status} on {$on} to the same host"] = [$status, $on, false];
            }
        }
        return $out;
    }

    /** @dataProvider redirects */
    public function testRedirectsAreNeverFollowed(int $status, string $on, bool $foreign): void
    {
        $token = ['access_token' => 'A1', 'token_type' => 'bearer', 'expires_in' => 3600, 'refresh_token' => 'R1', 'scope' => 'x', 'session_id' => '1'];
        $json = ['Content-Type' => 'application/json'];
        $location = $foreign ? 'http://127.0.0.2:9/stolen' : '/restapi/oauth/token2';
        $redirect = ['status' => $status, 'headers' => ['Location' => $location] + $json, 'body' => (string) json_encode($token)];
        $ok = ['status' => 200, 'headers' => $json, 'body' => (string) json_encode($token)];
        $url = Scripted::start($on === 'token' ? [$redirect] : [$ok, $redirect]);
        $platform = platform($url, maxRetries: 0);
        try {
            match ($on) {
                'token' => $platform->loginJwt('JWT'),
                'revoke' => [$platform->loginJwt('JWT'), $platform->logout()],
                'api' => [$platform->loginJwt('JWT'), $platform->get('/restapi/v1.0/x')],
            };
            $this->fail('a redirect was accepted');
        } catch (RedirectError $error) {
            $this->assertSame($status, $error->statusCode);
            $host = $foreign ? '127.0.0.2' : 'the same host';
            $this->assertStringContainsString("unexpected redirect to {$host}", $error->getMessage());
        }
        $this->assertCount($on === 'token' ? 1 : 2, Scripted::seen(), 'the redirect was followed');
        $this->assertSame($on === 'token' ? false : $on === 'api', $platform->isAuthorized());
    }

    public function testExceptionsCrossAProcessBoundaryRedactedAndTracesHoldNoSecret(): void
    {
        $before = ini_set('zend.exception_ignore_args', '0');
        try {
            $url = Scripted::start([[
                'status' => 400,
                'headers' => ['Content-Type' => 'application/json'],
                'body' => (string) json_encode(['error' => 'invalid_grant', 'error_description' => 'bad jwt secret-jwt-value', 'errors' => [['errorCode' => 'OAU-140', 'message' => 'x']]]),
            ]]);
            $platform = platform($url);
            try {
                $platform->loginJwt('secret-jwt-value');
                $this->fail('accepted');
            } catch (\Rcsdk\InvalidGrantError $error) {
                $this->assertStringNotContainsString('secret-jwt-value', var_export($error->getTrace(), true));
                $this->assertStringNotContainsString('secret-jwt-value', $error->getTraceAsString());
                $text = serialize($error);
                $this->assertStringNotContainsString('secret-jwt-value', $text);
                $copy = unserialize($text);
                $this->assertInstanceOf(\Rcsdk\InvalidGrantError::class, $copy);
                $this->assertSame($error->getMessage(), $copy->getMessage());
                $this->assertSame($error->errorCodes, $copy->errorCodes);
                $this->assertSame($error->errorDescription, $copy->errorDescription);
                $this->assertSame($error->body, $copy->body);
                $this->assertStringContainsString('[REDACTED]', (string) $copy->errorDescription);
            }
        } finally {
            ini_set('zend.exception_ignore_args', (string) $before);
        }
    }

    public function testASlowServerEndsInATimeoutAndAGrantIsNotReplayed(): void
    {
        $url = Scripted::start([['status' => 200, 'headers' => [], 'body' => '{}', 'delay' => 1.5]]);
        $platform = platform($url, timeout: 0.3);
        try {
            // The answer comes after 1.5 s: a timeout (not a login) shows the deadline held.
            $platform->loginJwt('JWT');
            $this->fail('no timeout');
        } catch (\Rcsdk\APITimeoutError $error) {
            $this->assertStringContainsString('timed out after 0.3 s', $error->getMessage());
        }
        $this->assertCount(1, Scripted::seen(), 'the grant was sent again');
        $this->expectException(UsageError::class);
        platform($url, timeout: -1.0);
    }
}
