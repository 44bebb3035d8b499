<?php

declare(strict_types=1);

// What the other tests leave out: every verb on the wire, secrets echoed back encoded, a
// directory where the store should be, a forked child that gets its own connection, and the
// per-call shortcuts (a request repeated, a store not read per call) sending what they should.

namespace Rcsdk\Tests;

use PHPUnit\Framework\TestCase;
use Rcsdk\FileTokenStore;
use Rcsdk\TokenStore;
use Rcsdk\TokenStoreError;
use Rcsdk\UsageError;

/** A FileTokenStore that counts its reads. */
final class CountingStore implements TokenStore
{
    public int $loads = 0;

    public function __construct(private readonly FileTokenStore $inner)
    {
    }

    public function load(): ?array
    {
        $this->loads++;
        return $this->inner->load();
    }

    public function save(?array $data): void
    {
        $this->inner->save($data);
    }

    public function synchronized(callable $fn): mixed
    {
        return $this->inner->synchronized($fn);
    }
}

final class BehaviourTest extends TestCase
{
    private const TOKEN = ['access_token' => 'ACCESS-1', 'token_type' => 'bearer', 'expires_in' => 3600, 'refresh_token' => 'R1', 'scope' => 'x', 'session_id' => '1'];

    /** @return array{status: int, headers: array<string, string>, body: string} */
    private static function json(int $status, mixed $body): array
    {
        return ['status' => $status, 'headers' => ['Content-Type' => 'application/json'], 'body' => (string) json_encode($body)];
    }

    public function testEveryVerbSendsWhatItShould(): void
    {
        $ok = self::json(200, ['ok' => true]);
        $url = Scripted::start([self::json(200, self::TOKEN), $ok, $ok, $ok, $ok, $ok]);
        $platform = platform($url);
        $platform->loginJwt('JWT');
        $this->assertSame(['ok' => true], $platform->get('/restapi/v1.0/a', ['q' => 'a b', 'n' => 1])->json());
        $platform->post('/restapi/v1.0/b', ['x' => 1]);
        $platform->put('/restapi/v1.0/c', ['y' => 'z'], ['q' => '1']);
        $platform->patch('/restapi/v1.0/d', ['w' => [1, 2]]);
        $platform->delete('/restapi/v1.0/e');
        $seen = array_slice(Scripted::seen(), 1);
        $this->assertSame(['GET', 'POST', 'PUT', 'PATCH', 'DELETE'], array_column($seen, 'method'));
        $this->assertSame('q=a+b&n=1', $seen[0]['query']);
        $this->assertSame('{"x":1}', $seen[1]['body']);
        $this->assertSame('application/json', $seen[1]['headers']['content-type']);
        $this->assertSame('q=1', $seen[2]['query']);
        $this->assertSame('{"w":[1,2]}', $seen[3]['body']);
        foreach ($seen as $request) {
            $this->assertSame('Bearer ACCESS-1', $request['headers']['authorization']);
            $this->assertStringStartsWith('rcsdk-php/', $request['headers']['user-agent']);
        }
    }

    public function testSecretsEchoedBackEncodedAreRedacted(): void
    {
        $password = 'p"w&+ä é';
        $echo = 'you sent password=' . urlencode($password) . ' and ' . rawurlencode($password) . ' and ' . substr((string) json_encode($password), 1, -1);
        $url = Scripted::start([self::json(401, ['error' => 'invalid_grant', 'error_description' => $echo, 'errors' => [['errorCode' => 'OAU-140', 'message' => $echo]]])]);
        $lines = [];
        $platform = platform($url, logger: function (string $level, string $line) use (&$lines): void {
            $lines[] = $line;
        });
        try {
            $platform->authorize('+16505550100', '101', $password);
            $this->fail('accepted');
        } catch (\Rcsdk\InvalidGrantError $error) {
            $texts = [(string) $error, print_r($error, true), json_encode($error->body), (string) $error->errorDescription, implode("\n", $lines)];
            foreach ($texts as $text) {
                foreach ([$password, urlencode($password), rawurlencode($password)] as $form) {
                    $this->assertStringNotContainsString($form, $text);
                }
            }
            $this->assertStringContainsString('[REDACTED]', $error->getMessage());
        }
        $this->assertNotEmpty($lines);
    }

    public function testADirectoryAtTheStorePathIsATypedErrorAndTheTokensStay(): void
    {
        $dir = sys_get_temp_dir() . '/rcsdk-php-dir-' . bin2hex(random_bytes(4));
        mkdir($dir . '/tokens.json', 0700, true);
        try {
            $store = new FileTokenStore($dir . '/tokens.json');
            $errors = [];
            $platform = platform(Local::url(), store: $store);
            $platform->on(\Rcsdk\Event::STORE_ERROR, function (TokenStoreError $error) use (&$errors): void {
                $errors[] = $error->getMessage();
            });
            try {
                $platform->isAuthorized();
                $this->fail('a directory was read as a store');
            } catch (TokenStoreError $error) {
                $this->assertStringContainsString('not a regular file (a directory)', $error->getMessage());
            }
            $platform->setAuthData(null);
            $this->assertCount(1, $errors);
            $this->assertStringContainsString('is a directory', $errors[0]);
        } finally {
            exec('rm -rf ' . escapeshellarg($dir));
        }
    }

    public function testAForkedChildUsesItsOwnConnection(): void
    {
        if (!function_exists('pcntl_fork')) {
            $this->markTestSkipped('pcntl is not compiled into this PHP');
        }
        // A shared socket mixes up answers or stalls: the deadline turns a stall into an error.
        $platform = platform(Local::url(), timeout: 3.0, maxRetries: 0);
        $platform->loginJwt(Local::env()['RC_JWT']);
        $platform->readExtension(); // the parent's connection is open
        $pipe = stream_socket_pair(STREAM_PF_UNIX, STREAM_SOCK_STREAM, STREAM_IPPROTO_IP);
        $pid = pcntl_fork();
        if ($pid === 0) {
            fclose($pipe[0]);
            $answers = [];
            for ($i = 0; $i < 20; $i++) {
                try {
                    $answers[] = $platform->readExtension()->extensionNumber;
                } catch (\Rcsdk\RCSDKError $error) {
                    $answers[] = get_class($error);
                }
            }
            fwrite($pipe[1], implode(',', $answers));
            fclose($pipe[1]);
            posix_kill(getmypid(), SIGKILL); // leave PHPUnit's shutdown to the parent
        }
        fclose($pipe[1]);
        $parent = [];
        for ($i = 0; $i < 20; $i++) {
            $parent[] = $platform->readExtension()->extensionNumber;
        }
        $child = stream_get_contents($pipe[0]);
        pcntl_waitpid($pid, $status);
        $this->assertSame(implode(',', array_fill(0, 20, '101')), $child);
        $this->assertSame(array_fill(0, 20, '101'), $parent);
    }

    public function testARepeatedRequestSendsWhatItShouldAndTheStoreIsNotReadPerCall(): void
    {
        // The handle is set up once for a request made again, header lines are made once per
        // token and a path is checked once: whatever comes between, each call sends its own.
        $ok = self::json(200, ['ok' => true]);
        $url = Scripted::start([self::json(200, self::TOKEN), ...array_fill(0, 10, $ok)]);
        $dir = sys_get_temp_dir() . '/rcsdk-php-calls-' . bin2hex(random_bytes(6));
        mkdir($dir, 0700);
        try {
            $store = new CountingStore(new FileTokenStore("{$dir}/tokens.json"));
            $platform = platform($url, store: $store);
            $platform->loginJwt('JWT');
            $loads = $store->loads;
            $platform->get('/restapi/v1.0/a');
            $platform->get('/restapi/v1.0/a');
            $platform->post('/restapi/v1.0/a', ['x' => 1]);
            $platform->request('POST', '/restapi/v1.0/a', headers: ['Content-Type' => 'application/json']);
            $platform->post('/restapi/v1.0/a', ['x' => 2]); // the same header lines as the last
            $platform->get('/restapi/v1.0/a');
            $platform->request('GET', '/restapi/v1.0/a', headers: ['X-Trace' => 't1']);
            $platform->get('/restapi/v1.0/a');
            $this->assertSame($loads, $store->loads, 'calls with valid tokens in memory read the store');
            $platform->setAuthData(['token' => ['access_token' => 'ACCESS-2'] + self::TOKEN] + $platform->getAuthData());
            $platform->get('/restapi/v1.0/a');
            $platform->request('head', '/restapi/v1.0/a');
            $this->expectException(UsageError::class);
            try {
                $platform->get('//elsewhere.example/restapi/v1.0/a');
            } finally {
                $seen = array_slice(Scripted::seen(), 1);
                $this->assertSame(['GET', 'GET', 'POST', 'POST', 'POST', 'GET', 'GET', 'GET', 'GET', 'HEAD'], array_column($seen, 'method'));
                $this->assertSame(['', '', '{"x":1}', '', '{"x":2}', '', '', '', '', ''], array_column($seen, 'body'));
                $this->assertSame(['/restapi/v1.0/a'], array_values(array_unique(array_column($seen, 'path'))));
                $this->assertSame(
                    [null, null, null, null, null, null, 't1', null, null, null],
                    array_map(static fn (array $r): ?string => $r['headers']['x-trace'] ?? null, $seen),
                );
                $this->assertSame(
                    [...array_fill(0, 8, 'Bearer ACCESS-1'), 'Bearer ACCESS-2', 'Bearer ACCESS-2'],
                    array_map(static fn (array $r): string => $r['headers']['authorization'], $seen),
                );
                $this->assertNull($seen[5]['headers']['content-type'] ?? null, 'a GET after a POST keeps its body type');
            }
        } finally {
            exec('rm -rf ' . escapeshellarg($dir));
        }
    }

    /**
     * PHP only (curl inflates here; the other clients inflate in their own code, tested by the
     * gzip rows of the security table): the PHP transport asks for gzip and deflate like every
     * client, and a gzip answer reaches the caller inflated.
     */
    public function testGzipIsAskedForAndAGzipAnswerIsInflated(): void
    {
        $gzipped = ['status' => 200, 'headers' => ['Content-Type' => 'application/json', 'Content-Encoding' => 'gzip'], 'body_base64' => base64_encode((string) gzencode('{"ok":"inflated"}'))];
        $url = Scripted::start([self::json(200, self::TOKEN), $gzipped]);
        $platform = platform($url);
        $platform->loginJwt('JWT');
        $this->assertSame(['ok' => 'inflated'], $platform->get('/restapi/v1.0/a')->json());
        $this->assertSame('gzip, deflate', Scripted::seen()[1]['headers']['accept-encoding'] ?? null);
    }

    /**
     * PHP only (curl's header lines go to a stream the transport reuses): each answer's headers
     * are its own, after a longer header block and after a transfer that failed midway.
     */
    public function testEachAnswerHasItsOwnHeaders(): void
    {
        $long = ['status' => 200, 'headers' => ['Content-Type' => 'application/json', 'X-First' => str_repeat('a', 2000)], 'body' => '{}'];
        $slow = ['status' => 200, 'headers' => ['Content-Type' => 'application/json', 'X-Slow' => '1'], 'body' => '{}', 'delay_body' => 1.1];
        $short = ['status' => 200, 'headers' => ['X-Second' => '2'], 'body' => '{}'];
        $url = Scripted::start([self::json(200, self::TOKEN), $long, $short, $slow, $short]);
        $platform = platform($url, timeout: 1.0, maxRetries: 0);
        $platform->loginJwt('JWT');
        $this->assertSame(str_repeat('a', 2000), $platform->get('/restapi/v1.0/a')->header('X-First'));
        $second = $platform->get('/restapi/v1.0/a');
        $this->assertSame('2', $second->header('X-Second'));
        $this->assertNull($second->header('X-First'));
        try {
            $platform->get('/restapi/v1.0/a'); // $slow's headers arrive, its body too late
            $this->fail('no timeout');
        } catch (\Rcsdk\APITimeoutError) {
        }
        $after = $platform->get('/restapi/v1.0/a');
        $this->assertSame('2', $after->header('X-Second'));
        $this->assertNull($after->header('X-Slow'));
        $this->assertNull($after->header('X-First'));
        $this->assertCount(5, Scripted::seen());
    }

    public function testARetryThatMeetsAnotherRotationIsSentAgainWithTheStoresTokens(): void
    {
        // decisions.json's after_401 end to end: once the refresh is saved, another worker
        // rotates (its tokens are in the store), and the retry's 401 sends the call a third time.
        $token = self::json(401, ['errorCode' => 'OAU-128']);
        $url = Scripted::start([self::json(200, self::TOKEN), $token, self::json(200, ['access_token' => 'ACCESS-2'] + self::TOKEN), $token, self::json(200, ['ok' => true])]);
        $store = new class () implements TokenStore {
            private int $saves = 0;
            private ?array $data = null;

            public function load(): ?array
            {
                $data = $this->data;
                return $this->saves === 2 && ++$this->saves ? $this->data = ['token' => ['access_token' => 'ACCESS-3'] + $data['token']] + $data : $data;
            }

            public function save(?array $data): void
            {
                [$this->data, $this->saves] = [$data, $this->saves + 1];
            }

            public function synchronized(callable $fn): mixed
            {
                return $fn();
            }
        };
        $platform = platform($url, store: $store);
        $platform->loginJwt('JWT');
        $this->assertSame(['ok' => true], $platform->get('/restapi/v1.0/a')->json());
        $this->assertSame('Bearer ACCESS-3', Scripted::seen()[4]['headers']['authorization']);
    }

    /**
     * A row of tests/cases/security.json would need a NaN and an infinity in four runners (JSON
     * has neither); Python (check_seconds) and JavaScript (positive) refuse these already, and
     * Go's durations cannot be NaN. So PHP's check is tested here.
     */
    public function testNonFiniteWaitsAreUsageErrorsNamingTheOption(): void
    {
        foreach ([['maxRetryWait', NAN], ['maxRetryWait', INF], ['refreshMargin', INF], ['refreshMargin', -1.0]] as [$name, $value]) {
            try {
                new \Rcsdk\Platform('key', 'secret', 'http://127.0.0.1:9', ...[$name => $value]);
                $this->fail("{$name} = {$value} was accepted");
            } catch (\Rcsdk\UsageError $error) {
                $this->assertStringContainsString($name, $error->getMessage());
            }
        }
    }
}
