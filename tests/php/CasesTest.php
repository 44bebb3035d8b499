<?php

declare(strict_types=1);

// The shared case table (generated/cases.json, from the spec), run by the PHP client;
// tests/test_cases.py (Python) and tests/js/cases.test.mjs (JavaScript) run the same table.

namespace Rcsdk\Tests;

use PHPUnit\Framework\TestCase;
use Rcsdk\RCSDK;
use Rcsdk\Event;
use Rcsdk\RateLimitError;
use Rcsdk\RCSDKError;

final class CasesTest extends TestCase
{
    /** @return array<string, array{array<string, mixed>}> */
    public static function cases(): array
    {
        $out = [];
        foreach (self::table()['cases'] as $case) {
            $out[$case['name']] = [$case];
        }
        return $out;
    }

    /** @return array<string, mixed> */
    private static function table(): array
    {
        static $table = null;
        return $table ??= json_decode((string) file_get_contents(ROOT . '/generated/cases.json'), true);
    }

    /** @dataProvider cases */
    public function testCase(array $case): void
    {
        $table = self::table();
        $clock = new FakeClock((float) $table['now']);
        $url = Scripted::start($case['responses']);
        $announced = [];
        $lines = [];
        $platform = (new RCSDK(
            $table['credentials']['app_key'],
            $table['credentials']['app_secret'],
            $url,
            clock: $clock->clock(),
            sleep: $clock->sleep(),
            maxRetries: $case['options']['max_retries'] ?? $table['defaults']['max_retries'],
            logger: static function (string $level, string $line) use (&$lines): void {
                if ($level === 'warning') {
                    $lines[] = $line;
                }
            },
        ))->getPlatform();
        $platform->on(Event::RATE_LIMIT_WAIT, static function (RateLimitError $error) use (&$announced): void {
            $announced[] = $error->retryAfter;
        });
        if ($case['operation'] !== 'login') {
            $platform->setAuthData($table['auth_data']);
        }
        $clock->now += $case['advance'] ?? 0;
        try {
            // `callers` calls at once: one after another here, PHP has no threads.
            for ($i = 1; $i < ($case['callers'] ?? 1); $i++) {
                $platform->request($case['method'], $case['path']);
            }
            $outcome = match ($case['operation']) {
                'login' => $platform->loginJwt($table['credentials']['jwt']),
                'refresh' => $platform->refresh(),
                default => $platform->request(
                    $case['method'],
                    $case['path'],
                    json: in_array($case['method'], ['POST', 'PUT', 'PATCH'], true) ? new \stdClass() : null,
                ),
            };
        } catch (RCSDKError $error) {
            $outcome = $error;
        }
        if ($case['outcome'] === 'ok') {
            $this->assertNotInstanceOf(\Throwable::class, $outcome, $outcome instanceof \Throwable ? $outcome->getMessage() : '');
        } else {
            $this->assertInstanceOf(\Throwable::class, $outcome);
            $this->assertSame('Rcsdk\\' . $case['outcome'], get_class($outcome), $outcome->getMessage());
            foreach ($case['is'] as $name) {
                $this->assertInstanceOf('Rcsdk\\' . $name, $outcome);
            }
        }
        $seen = array_map(static fn (array $r): array => [$r['method'], $r['path']], Scripted::seen());
        $this->assertSame($case['requests'], $seen);
        $this->assertCount(count($case['sleeps']), $clock->sleeps, 'sleeps ' . json_encode($clock->sleeps));
        foreach ($case['sleeps'] as $i => $expected) {
            if (is_array($expected)) {
                $this->assertGreaterThanOrEqual($expected[0], $clock->sleeps[$i]);
                $this->assertLessThanOrEqual($expected[1], $clock->sleeps[$i]);
            } else {
                $this->assertEqualsWithDelta((float) $expected, $clock->sleeps[$i], 1e-6);
            }
        }
        $this->assertCount(count($case['announced']), $announced, 'announced ' . json_encode($announced));
        foreach ($case['announced'] as $i => $expected) {
            $this->assertEqualsWithDelta((float) $expected, $announced[$i], 1e-6);
        }
        $this->assertCount(count($case['announced']), $lines, implode("\n", $lines));
        if (array_key_exists('error_codes', $case)) {
            $this->assertSame($case['error_codes'], $outcome->errorCodes);
        }
        if (array_key_exists('error', $case)) {
            $this->assertSame($case['error'], $outcome->error);
        }
        if (array_key_exists('retry_after', $case)) {
            $this->assertEqualsWithDelta((float) $case['retry_after'], $outcome->retryAfter, 1e-9);
        }
        if (array_key_exists('authorized_after', $case)) {
            $this->assertSame($case['authorized_after'], $platform->isAuthorized());
        }
        if (array_key_exists('expires_at', $case)) {
            $this->assertEqualsWithDelta((float) $case['expires_at'], (float) $platform->getAuthData()['expires_at'], 1e-6);
        }
    }

    public function testTheTableCoversEveryErrorCodeAndStatus(): void
    {
        // Every code the PHP client maps to a class has its cases in the table.
        $names = implode(' ', array_map(static fn (array $c): string => $c['name'], self::table()['cases']));
        $this->assertGreaterThanOrEqual(20, count(\Rcsdk\Errors::ERROR_CODES));
        foreach (array_keys(\Rcsdk\Errors::ERROR_CODES) as $code) {
            $this->assertStringContainsString("{$code} in errors[]", $names);
            $this->assertStringContainsString("{$code} top-level", $names);
        }
    }
}
