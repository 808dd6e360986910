//! What the pages (and the API) share: the page layout with the navigation of the person's
//! role, German formatting of dates, deadlines and places, downloads of stored files, the
//! view of a document version with its pipeline state, and what the Bauaufsicht and a Stelle
//! both see of a request (its Rückfragen and Stellungnahmen).

pub mod beteiligung;
pub mod download;
pub mod format;
pub mod layout;
pub mod versionen;

pub use layout::layout;
