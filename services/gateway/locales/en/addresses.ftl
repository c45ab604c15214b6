### portal/applicant/addresses.rs

addresses-title = Addresses
addresses-none = No saved addresses yet. They are offered when you choose to have a permit sent.
addresses-add = Add an address
addresses-edit = Edit
addresses-remove = Remove
addresses-remove-title = Remove an address
addresses-remove-confirm = Remove this address? Applications already submitted keep theirs.
addresses-keep = Keep, go back
addresses-save = Save
addresses-make-default = Make default
addresses-default = Default address
addresses-recipient = Recipient
addresses-phone = Phone
addresses-address = Delivery address
addresses-is-default = Make this the default address
addresses-actions = Actions
addresses-err-required = is required
addresses-err-too-long = is too long
addresses-err-characters = has characters that are not accepted
addresses-err-invalid = is not valid
addresses-err-full = At most 20 addresses can be saved: remove one you no longer use first.
