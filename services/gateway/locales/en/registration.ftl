### portal/applicant/registration.rs

registration-register = Register
registration-register-link = No account yet? Register
registration-password-confirmation = Password again
registration-send-code = Send the code
registration-code-sent = If the number can receive text messages, a code has been sent.
registration-registered-title = Registered
registration-registered-email = The registration was received. Activate the account with the link in the email, then sign in.
registration-registered-ready = The registration was received; please sign in.
registration-to-sign-in = Go to sign-in
registration-activate-title = Activate the account
registration-activate-button = Activate the account
registration-activated = The account is active; please sign in.
registration-activation-invalid = This activation link is invalid or has expired.
registration-registered-sms = The registration was received. A code was sent to your mobile by text message; enter it to activate the account.
registration-sms-code = Code from the text message
registration-choose = Choose
registration-err-required = is required
registration-err-invalid = is not valid
registration-err-taken = is already in use
registration-err-password = The password does not meet the password rules
registration-err-confirmation = The two passwords differ
registration-err-consent = must be accepted
registration-err-code = The code is wrong or has expired
