<?php

declare(strict_types=1);

namespace Rcsdk;

/**
 * A Session's bookkeeping of its tokens: the ones in use, and what the store holds (the PHP twin of
 * the Python client's TokenLedger).
 *
 * What is written is bound to the platform's origin and app key (Binding). A store holding
 * another's session is, to this platform, a store holding no session that refuses writes: its
 * tokens are never used, and it is never written over or emptied. A session saved without a
 * binding is used, and written back bound at the next call (as unsaved tokens).
 *
 * Tokens the platform issued are used at once and then written to the store. A write the store
 * refuses leaves them in use, remembered as *unsaved* together with the refresh token the store
 * held at the time; they are written at the next chance, unless the store has newer tokens by
 * then (another process rotated them meanwhile: theirs win). A Session holds one: the Session
 * decides when to refresh, and holds the store's lock around every method here that reads or
 * writes the store. Internal: not part of the package's API.
 *
 * With a store that numbers its writes (FencedTokenStore: RedisTokenStore), the store's
 * generation orders tokens, never a clock: refreshed tokens are written only over the generation
 * they were refreshed from (a worker paused past its lease adopts the newer ones), and a key the
 * store lost is written back from valid tokens in memory (the first writer wins). `generation`
 * counts the changes of the tokens in use; the Session recognises another process's refresh by it,
 * never by comparing token strings (docs/FLEET.md).
 *
 * @internal
 */
final class Ledger
{
    /** The tokens in use (read by the Session; written here only). */
    public ?AuthState $state = null;
    /** The tokens in use are not in the store yet. */
    public bool $unsaved = false;
    /** What the store held when it refused our tokens: its refresh token, or its generation
     * (sealed: see unsavedOver()). */
    private ?\Closure $unsavedOver = null;
    /** @var array{mixed, mixed}|null whose session the store held at the last read, when not ours */
    private ?array $foreign = null;
    /** Counts the changes of the tokens in use. */
    public int $generation = 0;
    /** A fenced store's generation when last read or written (null: the key does not exist). */
    public ?string $storedGeneration = null;

    /**
     * @param \Closure(string, string): void $log (level, message), every secret blanked
     * @param \Closure(string, mixed): void $emit an event and its payload
     * @param \Closure(): float $now seconds since the epoch
     */
    public function __construct(
        private readonly TokenStore $store,
        private readonly Redactor $redactor,
        public readonly Binding $binding,
        private readonly \Closure $log,
        private readonly \Closure $emit,
        private readonly \Closure $now,
    ) {
    }

    /**
     * The tokens and their expiry times, in the format the Python and JavaScript clients use
     * too (`[]` when logged out); setAuthData() takes it back exactly.
     *
     * @return array<string, mixed>
     */
    public function getAuthData(): array
    {
        $state = $this->current();
        return $state !== null ? $state->toJson() + $this->binding->fields() : [];
    }

    /**
     * Restore what getAuthData() returned (`[]` or null log out locally).
     * Throws AuthDataError for data of an unknown version or shape.
     *
     * @param array<string, mixed>|null $data
     */
    public function setAuthData(#[\SensitiveParameter] ?array $data): void
    {
        $theirs = $this->binding->other($data);
        if ($theirs !== null) {
            throw $this->binding->refusal('the auth data', $theirs);
        }
        $this->reportStore($this->replace(AuthState::fromJson($data), FencedTokenStore::ANY));
    }

    /** Whether calls can be authorized without a new login (valid or refreshable tokens). No request. */
    public function isAuthorized(): bool
    {
        $state = $this->current();
        return $state !== null && $state->usable(($this->now)());
    }

    public function current(): ?AuthState
    {
        return $this->state ?? $this->reload();
    }

    /** Read the store: another process may have written newer tokens (Decide::afterRead). */
    public function reload(): ?AuthState
    {
        $fenced = $this->store instanceof FencedTokenStore ? $this->store : null;
        $generation = null;
        try {
            if ($fenced !== null) {
                [$data, $generation] = $fenced->loadGeneration();
            } else {
                $data = $this->store->load();
            }
        } catch (TokenStoreError $error) {
            if (Decide::afterRead($fenced !== null, 'unreadable', $this->state !== null, $this->unsaved) === 'raise') {
                throw $error;
            }
            // The store cannot be read at all (a directory in its place, a permission, Redis
            // down): go on with the tokens in memory, to be written once it can be used again.
            if (!$this->unsaved && $this->state !== null) {
                $over = $fenced !== null ? $this->storedGeneration : $this->state->token->refreshToken;
                [$this->unsaved, $this->unsavedOver] = [true, self::sealed($over)];
                ($this->log)('warning', 'rcsdk: tokens kept in memory, the store cannot be read: ' . $this->redactor->text($error->getMessage()));
                $this->reportStore($error);
            }
            return $this->state;
        }
        $this->foreign = $this->binding->other($data);
        try {
            $state = $this->foreign === null ? AuthState::fromJson($data) : null;
            $view = $this->view($fenced !== null, $state, $generation);
        } catch (AuthDataError $error) {
            [$state, $view] = [null, 'unusable']; // content nobody can use: ours replace it
        }
        $step = Decide::afterRead($fenced !== null, $view, $this->state !== null, $this->unsaved);
        if ($step === 'raise') {
            throw $error;
        }
        $unbound = $state !== null && $this->binding->unbound($data);
        if ($step === 'reseed') {
            // The key is gone, not logged out (Redis restarted empty, FLUSHALL, eviction): write
            // the tokens in memory back; the first writer wins, the others adopt.
            $this->reportStore($this->keep($this->state, null));
            return $this->state;
        }
        if ($step === 'write') {
            // Tokens the store refused earlier: written now. A fenced store takes them only over
            // what they replace (a paused worker's late pair is refused; it adopts the store's);
            // other stores get them unless they hold newer ones by now (Decide::afterRead).
            $this->reportStore($fenced === null ? $this->keep($this->state) : $this->keep($this->state, $view === 'unusable' ? FencedTokenStore::ANY : $this->unsavedOver()));
            return $this->state;
        }
        // adopt: the store's tokens are used (someone wrote newer ones meanwhile: theirs win).
        if ($fenced !== null) {
            $this->storedGeneration = $generation;
        }
        if ($this->unsaved) {
            $this->unsaved = false;
        } elseif ($unbound) {
            // Saved without a binding: used, and written back bound at the next call.
            [$this->unsaved, $this->unsavedOver] = [true, self::sealed($fenced !== null ? $generation : $state->token->refreshToken)];
        }
        $this->useState($state);
        return $state;
    }

    /** What the store holds, as Decide::afterRead reads it. */
    private function view(bool $fenced, ?AuthState $state, ?string $generation): string
    {
        return match (true) {
            $this->foreign !== null => 'foreign',
            $fenced => $generation === null ? 'empty' : 'other',
            $state === null => 'empty',
            !$this->unsaved => 'other',
            $state->token->refreshToken === $this->unsavedOver() => 'replaced',
            $this->state?->issuedAfter($state) === true => 'older',
            default => 'other',
        };
    }

    /**
     * Use `$state` at once, then write it under the store's lock. A lock the store cannot give
     * (held past lockTimeout, a link or a directory at its path) keeps the tokens in use, to be
     * written later, as a failed write does: the error is returned, never thrown.
     */
    public function replace(?AuthState $state, string|null|false $expected = false): ?TokenStoreError
    {
        try {
            return $this->store->synchronized(fn (): ?TokenStoreError => $this->keep($state, $expected));
        } catch (TokenStoreError $error) {
            return $this->failed($state, $error);
        }
    }

    /**
     * Use tokens, and save them (callers hold the store's lock). A fenced store writes them only
     * over generation `$expected` (false: the one last read; null: none, a lost key;
     * FencedTokenStore::ANY: anything) and, refused, has its tokens adopted. A failed save keeps
     * them in use, to be written later; the first failure of a run of them is returned (for
     * Event::STORE_ERROR, reported once per run as in Python), never thrown.
     */
    public function keep(?AuthState $state, string|null|false $expected = false): ?TokenStoreError
    {
        $fenced = $this->store instanceof FencedTokenStore ? $this->store : null;
        $wanted = $expected === false ? $this->storedGeneration : $expected;
        $replaced = $this->unsaved ? $this->unsavedOver() : ($fenced !== null ? $wanted : $this->state?->token->refreshToken);
        $this->useState($state);
        try {
            try {
                $theirs = $this->foreignSession();
                if ($theirs !== null) {
                    // The store holds another's session: never written over, never emptied.
                    if ($state === null) {
                        [$this->unsaved, $this->unsavedOver] = [false, null];
                        return null;
                    }
                    throw new TokenStoreError('not writing over it: ' . $this->binding->refusal(Binding::storeName($this->store), $theirs)->getMessage());
                }
                $data = $state === null ? null : $state->toJson() + $this->binding->fields();
                if ($fenced === null) {
                    $this->store->save($data);
                } else {
                    [$written, $held, $generation] = $fenced->saveIf($data, $wanted);
                    if (!$written && $generation === null && $data !== null) {
                        // The key was lost since it was read: ours are the tokens to write back.
                        [$written, $held, $generation] = $fenced->saveIf($data, null);
                    }
                    $this->storedGeneration = $generation;
                    if (!$written) {
                        $this->foreign = $this->binding->other($held);
                        $this->useState($this->foreign === null ? AuthState::fromJson($held) : null);
                    }
                }
            } catch (\Throwable $raised) {
                // A store of the application's own may throw anything: the tokens are kept.
                throw $raised instanceof TokenStoreError ? $raised : new TokenStoreError(
                    $this->redactor->text('could not write the token store: ' . get_class($raised) . ': ' . $raised->getMessage()),
                );
            }
        } catch (TokenStoreError $error) {
            return $this->unsave($replaced, $error);
        }
        $this->unsaved = false;
        $this->unsavedOver = null;
        return null;
    }

    /** Keep `$state` in use, unsaved: the store's lock could not be taken. */
    public function failed(?AuthState $state, TokenStoreError $error): ?TokenStoreError
    {
        $replaced = $this->unsaved ? $this->unsavedOver() : $this->state?->token->refreshToken;
        $this->useState($state);
        return $this->unsave($replaced, $error);
    }

    /** Use `$state`; the same tokens read back keep their generation. */
    public function useState(?AuthState $state): void
    {
        if ($state === null ? $this->state !== null : $this->state === null || $state->toJson() != $this->state->toJson()) {
            $this->generation++;
        }
        $this->state = $state;
        if ($state !== null) {
            $this->redactor->addTokens($state->token->accessToken, $state->token->refreshToken, $state->token->idToken);
        }
    }

    /** Mark the tokens in use unsaved; the first failure of a run of them is returned. */
    private function unsave(?string $replaced, TokenStoreError $error): ?TokenStoreError
    {
        if ($this->unsaved) {
            return null; // reported at the first failure of this run of them
        }
        [$this->unsaved, $this->unsavedOver] = [true, self::sealed($replaced)];
        ($this->log)('warning', 'rcsdk: tokens kept in memory, the store did not take them: ' . $this->redactor->text($error->getMessage()));
        return $error;
    }

    private function unsavedOver(): ?string
    {
        return $this->unsavedOver === null ? null : ($this->unsavedOver)();
    }

    /** A refresh token in a closure: no serialization of the platform reaches it. */
    private static function sealed(#[\SensitiveParameter] ?string $token): \Closure
    {
        return static fn (): ?string => $token;
    }

    /** @return array{mixed, mixed}|null whose session the store holds, when not ours (unreadable: null) */
    private function foreignSession(): ?array
    {
        try {
            $data = $this->store->load();
        } catch (\Throwable) {
            return null; // the write that follows reports what is wrong with the store
        }
        return $this->foreign = $this->binding->other($data);
    }

    /** The error of a call that needs a session and finds none: another's, or no tokens. */
    public function refusal(): LoginRequiredError
    {
        if ($this->foreign !== null) {
            return $this->binding->refusal(Binding::storeName($this->store), $this->foreign);
        }
        return new LoginRequiredError('no tokens: log in first');
    }

    public function reportStore(?TokenStoreError $error): void
    {
        if ($error !== null) {
            ($this->emit)(Event::STORE_ERROR, $error);
        }
    }
}
