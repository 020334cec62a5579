# Signed files (issue: the air-gapped supply chain): boxcar keygen, sign, verify; a
# file that must be signed (its own trust list, or BOXCAR_TRUST) refuses to extract or
# run before anything is extracted, unless a trusted key's signature verifies.

sg_keys() {
    "$BOXCAR" keygen -o a 2>/dev/null && "$BOXCAR" keygen -o b 2>/dev/null && [ -s a.pub ] && [ -s b.pub ] ||
        fail "keygen made no keys"
}
sg_index_off() { "$BOXCAR" inspect "$1" >/dev/null && python3 -c '
import struct, sys
d = open(sys.argv[1], "rb").read()
print(struct.unpack_from("<Q", d, len(d) - 48)[0])' "$1"; }

t_sign_roundtrip() {   # keygen, sign, verify; the wrong key, an unsigned file
    sg_keys
    [ "$(stat -c %a a.key)" = 600 ] || fail "the secret key is not private: $(stat -c %a a.key)"
    grep -q '^boxcar-ed25519 ' a.pub || fail "a.pub: $(cat a.pub)"
    x "$BOXCAR" keygen -o a; expect_error 1; expect_err_has "exists; not overwriting"
    cp "$(P bb)" f
    x "$BOXCAR" sign f --key a.key; expect_ok
    x "$BOXCAR" verify f --pubkey a.pub; expect_ok; expect_out_has "f: signature by key $(a_id) OK; index and 1 layer verified"
    x ./f echo signed-runs; expect_ok; expect_out signed-runs         # (no policy: runs as before)
    x "$BOXCAR" verify f --pubkey b.pub; expect_error 1; expect_err_has "signed by key .*, not by the trusted key"
    x "$BOXCAR" verify "$(P bb)" --pubkey a.pub; expect_error 1; expect_err_has "is not signed"
    x "$BOXCAR" sign f --key b.key -o g; expect_ok                    # re-signing replaces
    x "$BOXCAR" verify g --pubkey b.pub; expect_ok
    x "$BOXCAR" verify g --pubkey a.pub; expect_error 1
    [ "$(stat -c %s f)" = "$(stat -c %s g)" ] || fail "re-signing changed the size"
    x "$BOXCAR" sign f --key a.pub; expect_error 1; expect_err_has "not a boxcar secret key"
    x "$BOXCAR" verify f; expect_rc 2
    ls | grep -q tmp- && fail "a temporary file was left"; return 0
}
a_id() { "$BOXCAR" verify f --pubkey a.pub 2>/dev/null | sed -n 's/.*key \([0-9a-f]*\) OK.*/\1/p'; }

t_sign_tamper() {   # any changed byte of the stub, a layer, the index or the signature fails
    sg_keys
    cp "$(P layers)" s; "$BOXCAR" sign s --key a.key 2>/dev/null
    local size ioff l0 where
    size=$(stat -c %s s); ioff=$(sg_index_off s)
    l0=$("$BOXCAR" inspect s | jq '.layers[0].offset')
    for where in 100 $((l0 / 2)) $((l0 + 10)) $(( (l0 + ioff) / 2 )) $((ioff - 3)) $((ioff + 5)) $((size - 64 - 100)) $((size - 64 - 30)); do
        cp s t; xor_byte t "$where" 1
        x "$BOXCAR" verify t --pubkey a.pub
        [ "$RC" = 1 ] || fail "byte $where of $size (index at $ioff, layers from $l0) flipped: verify exit $RC"
        expect_one_line_error
    done
    x "$BOXCAR" verify s --pubkey a.pub; expect_ok
}

t_sign_policy() {   # a trust list packed in, or BOXCAR_TRUST: unsigned or wrongly signed -> 125, nothing extracted
    sg_keys
    x "$BOXCAR" pack "oci:$FIX/oci-busybox:latest" --trust a.pub -o strict; expect_ok
    fresh_cache "$T/c"
    x ./strict echo x; expect_error 125; expect_err_has "is not signed"
    [ -z "$(find "$T/c" -path '*/layers/*' -prune -print)" ] || fail "layers were extracted before the signature check"
    x "$BOXCAR" sign strict --key b.key -o strict-b; expect_ok
    x ./strict-b echo x; expect_error 125; expect_err_has "not by the trusted key"
    x "$BOXCAR" sign strict --key a.key -o strict-a; expect_ok
    x ./strict-a echo trusted; expect_ok; expect_out trusted
    x ./strict-a --boxcar-extract=out; expect_ok; [ -x out/bin/busybox ] || fail "no extraction"
    # a layer changed after signing: the signature holds, the layer's digest does not
    cp strict-a strict-t; xor_byte strict-t $(( $("$BOXCAR" inspect strict-t | jq '.layers[0].offset') + 50 )) 4
    fresh_cache "$T/c2"
    x ./strict-t echo x; expect_error 125
    # BOXCAR_TRUST: a key, or a file of keys; any file must then be signed by one
    cp "$(P bb)" plain; "$BOXCAR" sign plain --key b.key -o plain-b 2>/dev/null
    BOXCAR_TRUST="$(cat a.pub)" x ./plain-b echo x; expect_error 125; expect_err_has "not by the trusted key"
    BOXCAR_TRUST="$T/a.pub" x ./plain echo x; expect_error 125; expect_err_has "is not signed"
    { echo "# site keys"; cat a.pub b.pub; } > keys
    BOXCAR_TRUST="$T/keys" x ./plain-b echo both; expect_ok; expect_out both
    echo garbage > bad; BOXCAR_TRUST="$T/bad" x ./plain-b true; expect_error 125; expect_err_has "not a boxcar public key"
    BOXCAR_TRUST="$T/nope" x ./plain-b true; expect_error 125; expect_err_has "cannot read"
    x ./plain-b --boxcar-inspect; expect_ok                            # inspecting needs no trust
}
test_case run "sign: keygen, sign, verify round trip; wrong key, unsigned, re-sign" t_sign_roundtrip
test_case run "sign: a flipped byte of stub, layer, index or signature fails verify" t_sign_tamper
test_case run "sign: --trust / BOXCAR_TRUST: unsigned or untrusted refuse before extracting (125)" t_sign_policy
