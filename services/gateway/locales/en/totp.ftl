### portal/staff/totp.rs

totp-title = Set up your authenticator
totp-intro = Staff sign in with a code from an authenticator app. Set one up first.
totp-start = Start
totp-secret = Secret key
totp-secret-help = In your authenticator app choose to enter a key by hand and type this key (or paste the otpauth link below). It is shown only this once.
totp-uri = otpauth link
totp-code = Code
totp-code-help = The 6 digits the app shows now, to finish.
totp-confirm = Finish
totp-restart = Make a new key
totp-err-code-required = Enter the code
totp-err-code-wrong = The code is wrong; check the device's clock and try again
totp-done-title = Your authenticator is set up
totp-done-body = This account has an authenticator; sign in with its code from now on.
totp-continue-link = Continue
