from pwdlib import PasswordHash

# Argon2id with argon2-cffi's costs: 64 MiB of memory, 3 passes, 4 lanes.
password_hash = PasswordHash.recommended()

stored = password_hash.hash("correct-horse-battery")
print(stored)  # $argon2id$v=19$m=65536,t=3,p=4$<salt>$<hash>

assert password_hash.verify("correct-horse-battery", stored)
assert not password_hash.verify("Correct-horse-battery", stored)
# A new random salt every time: the same password never gives the same string.
assert password_hash.hash("correct-horse-battery") != stored
