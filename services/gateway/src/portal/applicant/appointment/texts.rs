//! The appointment page's words, in the portal's three languages.

use crate::portal::shell::locale::texts;

texts! {
    pub struct Texts, fn texts, "appointment" {
        title,
        intro,
        centre,
        week_of,
        show,
        earlier,
        later,
        left,
        full,
        none,
        choose,
        move_to,
        held,
        confirm,
        booked,
        cancel,
        letter,
        my_appointment,
        book_link,
        upcoming,
        err_choose,
        err_slot_full,
        err_slot_closed,
        err_slot_past,
        err_hold_expired,
        err_too_many,
        err_not_now,
        err_book_first,
    }
}
