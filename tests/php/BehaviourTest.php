<?php

declare(strict_types=1);

// What the other tests leave out: every verb on the wire, secrets echoed back encoded, a
// directory where the store should be, and a forked child that gets its own connection.

namespace Rcsdk\Tests;

use PHPUnit\Framework\TestCase;
use Rcsdk\FileTokenStore;
use Rcsdk\TokenStoreError;

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
}
