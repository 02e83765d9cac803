from campaign.core.tokens import hash_token, new_token


def test_tokens_carry_at_least_128_random_bits_and_differ():
    tokens = {new_token()[0] for _ in range(1000)}
    assert len(tokens) == 1000
    assert all(len(t) >= 22 for t in tokens)  # 22 url-safe base64 chars hold 128 bits


def test_only_the_hash_is_kept_and_it_matches_the_token():
    token, stored = new_token()
    assert stored != token
    assert hash_token(token) == stored
    assert hash_token(token + "x") != stored
