<?php

declare(strict_types=1);

// A PHP worker of the chaos run (tests/test_chaos.py): calls the API until RC_CONTROL/stop
// exists, one outcome per line in RC_RESULTS ("ok", or "error <class> <1 if an RCSDKError>"),
// on a FileTokenStore (RC_STORE) that the test steers through files in RC_CONTROL, as the
// Python workers' ChaosStore: `fail-writes` makes saves fail, `die-at-save` kills (SIGKILL)
// the first process about to save refreshed tokens.

require getenv('RCSDK_PHP_AUTOLOAD') ?: __DIR__ . '/../../build/php/vendor/autoload.php';

use Rcsdk\FileTokenStore;
use Rcsdk\RCSDK;
use Rcsdk\RCSDKError;
use Rcsdk\TokenStore;
use Rcsdk\TokenStoreError;

final class ChaosStore implements TokenStore
{
    private FileTokenStore $file;

    public function __construct(string $path, private string $control)
    {
        $this->file = new FileTokenStore($path);
    }

    public function load(): ?array
    {
        return $this->file->load();
    }

    public function save(?array $data): void
    {
        clearstatcache();  // the control files come and go: no cached answer
        if (file_exists($this->control . '/fail-writes')) {
            throw new TokenStoreError('could not write the token store: read-only file system');
        }
        if (@unlink($this->control . '/die-at-save')) {
            // The platform has rotated the tokens; they die with this process.
            posix_kill(getmypid(), SIGKILL);
        }
        $this->file->save($data);
    }

    public function synchronized(callable $fn): mixed
    {
        return $this->file->synchronized($fn);
    }
}

$env = getenv();
$control = $env['RC_CONTROL'];
$store = new ChaosStore($env['RC_STORE'], $control);
$platform = (new RCSDK($env['RC_APP_KEY'], $env['RC_APP_SECRET'], $env['RC_SERVER'], store: $store))->getPlatform();
$out = fopen($env['RC_RESULTS'], 'a');
while (true) {
    clearstatcache();
    if (file_exists($control . '/stop')) {
        break;
    }
    try {
        $platform->readExtension();
        $line = 'ok';
    } catch (Throwable $error) {  // recorded: the test asserts every failure is typed
        $class = substr(strrchr('\\' . get_class($error), '\\'), 1);
        $line = 'error ' . $class . ' ' . (int) ($error instanceof RCSDKError);
    }
    fwrite($out, $line . "\n");
    if ($line !== 'ok') {
        usleep(5000); // pace a worker whose calls fail at once, so it does not starve the others
    }
}
