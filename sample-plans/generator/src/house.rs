//! The building: a detached single-family house (11,49 × 8,99 m, basement, two full
//! storeys and an attic under a 30° gable roof) with a garage on the east boundary.
//! Model coordinates are metres; x points east, y north, origin at the south-west outer
//! corner of the house; levels are metres above the finished ground floor (±0,00).

/// Outer size of the house.
pub const LEN_X: f64 = 11.49;
pub const LEN_Y: f64 = 8.99;
pub const EXT: f64 = 0.365;
/// Roof: pitch, knee wall (Kniestock) above the attic floor, eaves and verge overhang.
pub const ROOF_PITCH_DEG: f64 = 30.0;
pub const KNEE_WALL: f64 = 0.80;
pub const EAVES_OVERHANG: f64 = 0.50;
pub const VERGE_OVERHANG: f64 = 0.30;
pub const ROOF_THICKNESS: f64 = 0.32;
/// Finished ground level next to the house.
pub const TERRAIN: f64 = -0.30;
/// ±0,00 in metres above sea level (NHN).
pub const NHN_ZERO: f64 = 182.45;
/// The section line A-A (x, looking west).
pub const SECTION_X: f64 = 4.4;
/// Garage: outer rectangle and height.
pub const GARAGE: (f64, f64, f64, f64) = (14.25, 2.75, 17.49, 8.99);
pub const GARAGE_HEIGHT: f64 = 2.85;
pub const GARAGE_WALL: f64 = 0.24;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WallKind {
    /// Monolithic clay block 36,5 cm.
    Exterior,
    /// Sand-lime brick 24 or 17,5 cm, load-bearing.
    Bearing,
    /// Partition 11,5 cm.
    Partition,
    /// Reinforced concrete (basement, watertight).
    Concrete,
}

/// A straight wall as an axis-aligned rectangle.
#[derive(Clone, Copy, Debug)]
pub struct Wall {
    pub x0: f64,
    pub y0: f64,
    pub x1: f64,
    pub y1: f64,
    pub kind: WallKind,
}

impl Wall {
    pub const fn new(x0: f64, y0: f64, x1: f64, y1: f64, kind: WallKind) -> Self {
        Wall {
            x0,
            y0,
            x1,
            y1,
            kind,
        }
    }
    pub fn horizontal(&self) -> bool {
        self.x1 - self.x0 >= self.y1 - self.y0
    }
    pub fn thickness(&self) -> f64 {
        if self.horizontal() {
            self.y1 - self.y0
        } else {
            self.x1 - self.x0
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum OpeningKind {
    Window,
    /// A door; the hinge is at the start (`from`) or end of the opening, and the leaf
    /// swings to the positive (north/east) or negative side.
    Door {
        hinge_at_start: bool,
        to_positive: bool,
    },
    /// An opening without a door.
    Passage,
    /// A sectional garage door.
    GarageDoor,
}

/// An opening in wall `wall`, from `from` to `to` along the wall's long axis.
#[derive(Clone, Copy, Debug)]
pub struct Opening {
    pub wall: usize,
    pub from: f64,
    pub to: f64,
    pub kind: OpeningKind,
    /// Sill height (Brüstungshöhe) and head height above the storey's finished floor.
    pub sill: f64,
    pub head: f64,
}

impl Opening {
    pub fn width(&self) -> f64 {
        self.to - self.from
    }
    pub fn height(&self) -> f64 {
        self.head - self.sill
    }
}

#[derive(Clone, Debug)]
pub struct Room {
    pub name: &'static str,
    pub x0: f64,
    pub y0: f64,
    pub x1: f64,
    pub y1: f64,
    pub finish: &'static str,
    /// Label position offset from the room centre (m).
    pub label_dx: f64,
    pub label_dy: f64,
}

impl Room {
    pub fn area(&self) -> f64 {
        (self.x1 - self.x0) * (self.y1 - self.y0)
    }
}

/// A two-flight (U-shaped) stair: flight 1 runs north at x0..x0+w from `y_start`, a landing
/// at the north end, flight 2 runs back south at x1-w..x1.
#[derive(Clone, Copy, Debug)]
pub struct Stair {
    pub x0: f64,
    pub x1: f64,
    pub y_start: f64,
    pub y_end: f64,
    pub flight_width: f64,
    pub risers: u32,
    pub going: f64,
    pub rise: f64,
}

impl Stair {
    pub fn treads_per_flight(&self) -> u32 {
        self.risers / 2 - 1
    }
    pub fn landing_y(&self) -> f64 {
        self.y_start + self.going * self.treads_per_flight() as f64
    }
}

#[derive(Clone, Copy, Debug)]
pub enum Furniture {
    Bed(f64, f64, f64, f64),
    Table(f64, f64, f64, f64),
    Counter(f64, f64, f64, f64),
    Sofa(f64, f64, f64, f64),
    Wc(f64, f64, bool),
    Basin(f64, f64, bool),
    Shower(f64, f64, f64),
    Tub(f64, f64, f64, f64),
    Wardrobe(f64, f64, f64, f64),
    Desk(f64, f64, f64, f64),
    Appliance(f64, f64, f64, &'static str),
}

pub struct Storey {
    pub name: &'static str,
    pub short: &'static str,
    /// Finished floor level (FFB) and the structural slab top (RFB).
    pub ffb: f64,
    pub rfb: f64,
    /// Clear room height.
    pub clear_height: f64,
    pub walls: Vec<Wall>,
    pub openings: Vec<Opening>,
    pub rooms: Vec<Room>,
    pub stair: Option<Stair>,
    pub furniture: Vec<Furniture>,
    /// Light wells in front of basement windows: (opening index).
    pub light_wells: Vec<usize>,
}

use OpeningKind::*;
use WallKind::*;

const X: f64 = LEN_X;
const Y: f64 = LEN_Y;
const I: f64 = EXT;

/// The four outer walls: 0 south, 1 north, 2 west, 3 east.
fn outer(kind: WallKind) -> Vec<Wall> {
    vec![
        Wall::new(0.0, 0.0, X, I, kind),
        Wall::new(0.0, Y - I, X, Y, kind),
        Wall::new(0.0, I, I, Y - I, kind),
        Wall::new(X - I, I, X, Y - I, kind),
    ]
}

fn win(wall: usize, from: f64, to: f64, sill: f64, head: f64) -> Opening {
    Opening {
        wall,
        from,
        to,
        kind: Window,
        sill,
        head,
    }
}

fn door(wall: usize, from: f64, to: f64, hinge_at_start: bool, to_positive: bool) -> Opening {
    Opening {
        wall,
        from,
        to,
        kind: Door {
            hinge_at_start,
            to_positive,
        },
        sill: 0.0,
        head: 2.135,
    }
}

fn room(name: &'static str, x0: f64, y0: f64, x1: f64, y1: f64, finish: &'static str) -> Room {
    Room {
        name,
        x0,
        y0,
        x1,
        y1,
        finish,
        label_dx: 0.0,
        label_dy: 0.0,
    }
}

fn stair(rise_total: f64) -> Stair {
    Stair {
        x0: 3.615,
        x1: 5.715,
        y_start: 5.9,
        y_end: Y - I,
        flight_width: 1.0,
        risers: 16,
        going: 0.25,
        rise: rise_total / 16.0,
    }
}

pub fn kg() -> Storey {
    let mut walls = outer(Concrete);
    walls.extend([
        Wall::new(I, 5.0, X - I, 5.24, Concrete),    // 4
        Wall::new(5.0, I, 5.175, 5.0, Bearing),      // 5
        Wall::new(8.0, I, 8.175, 5.0, Bearing),      // 6
        Wall::new(3.5, 5.24, 3.675, Y - I, Bearing), // 7
        Wall::new(7.5, 5.24, 7.675, Y - I, Bearing), // 8
    ]);
    let openings = vec![
        win(0, 1.5, 2.5, 1.50, 2.25),
        win(0, 9.0, 10.0, 1.50, 2.25),
        win(2, 6.5, 7.5, 1.50, 2.25),
        win(1, 9.5, 10.5, 1.50, 2.25),
        door(4, 4.0, 4.885, false, false),
        door(4, 6.0, 6.885, true, false),
        door(4, 8.4, 9.285, true, true),
        door(8, 5.4, 6.285, true, true),
        door(4, 1.6, 2.485, false, true),
    ];
    Storey {
        name: "Kellergeschoss",
        short: "KG",
        ffb: -2.65,
        rfb: -2.80,
        clear_height: 2.30,
        walls,
        openings,
        rooms: vec![
            room("Hobby", I, I, 5.0, 5.0, "Fliesen"),
            room("Technik", 5.175, I, 8.0, 5.0, "Estrich, beschichtet"),
            room("Vorrat", 8.175, I, X - I, 5.0, "Estrich, beschichtet"),
            room("Keller", I, 5.24, 3.5, Y - I, "Estrich, beschichtet"),
            Room {
                label_dx: 0.95,
                ..room("Flur", 3.675, 5.24, 7.5, Y - I, "Fliesen")
            },
            room("Waschen", 7.675, 5.24, X - I, Y - I, "Fliesen"),
        ],
        stair: Some(Stair {
            x0: 3.675,
            x1: 5.775,
            ..stair(2.65)
        }),
        furniture: vec![
            Furniture::Appliance(5.5, 0.7, 0.75, "WP"),
            Furniture::Appliance(6.5, 0.7, 0.7, "WW"),
            Furniture::Appliance(7.3, 0.7, 0.6, "PV"),
            Furniture::Appliance(8.3, 8.0, 0.6, "WM"),
            Furniture::Appliance(9.0, 8.0, 0.6, "TR"),
            Furniture::Counter(8.4, I, X - I - 8.4, 0.6),
        ],
        light_wells: vec![0, 1, 2, 3],
    }
}

pub fn eg() -> Storey {
    let mut walls = outer(Exterior);
    walls.extend([
        Wall::new(I, 5.0, X - I, 5.24, Bearing),       // 4
        Wall::new(7.5, I, 7.615, 5.0, Partition),      // 5
        Wall::new(3.5, 5.24, 3.615, Y - I, Partition), // 6
        Wall::new(7.5, 5.24, 7.615, Y - I, Partition), // 7
        Wall::new(9.5, 5.24, 9.615, Y - I, Partition), // 8
    ]);
    let openings = vec![
        // South
        win(0, 1.0, 3.26, 0.0, 2.26),
        win(0, 4.2, 6.46, 0.0, 2.26),
        win(0, 8.6, 10.11, 1.0, 2.26),
        // West
        win(2, 1.5, 3.01, 0.6, 2.26),
        win(2, 6.3, 7.56, 0.9, 2.26),
        // North
        win(1, 1.4, 2.41, 0.9, 2.26),
        Opening {
            head: 2.26,
            ..door(1, 6.1, 7.11, true, false)
        },
        win(1, 8.2, 8.835, 1.5, 2.26),
        // East
        win(3, 2.0, 3.26, 1.0, 2.26),
        win(3, 7.0, 7.76, 1.5, 2.26),
        // Inside
        door(4, 1.6, 2.485, true, true),
        door(4, 5.9, 6.91, false, false),
        door(4, 9.9, 10.785, false, true),
        door(7, 5.45, 6.21, true, true),
        Opening {
            kind: Passage,
            ..win(5, 1.2, 3.2, 0.0, 2.26)
        },
    ];
    Storey {
        name: "Erdgeschoss",
        short: "EG",
        ffb: 0.0,
        rfb: -0.15,
        clear_height: 2.55,
        walls,
        openings,
        rooms: vec![
            Room {
                label_dx: -1.7,
                label_dy: 0.2,
                ..room("Wohnen / Essen", I, I, 7.5, 5.0, "Parkett")
            },
            room("Küche", 7.615, I, X - I, 5.0, "Fliesen"),
            room("Arbeiten", I, 5.24, 3.5, Y - I, "Parkett"),
            Room {
                label_dx: 0.9,
                label_dy: -0.2,
                ..room("Diele", 3.615, 5.24, 7.5, Y - I, "Fliesen")
            },
            room("WC", 7.615, 5.24, 9.5, Y - I, "Fliesen"),
            Room {
                label_dy: 0.4,
                ..room("HWR", 9.615, 5.24, X - I, Y - I, "Fliesen")
            },
        ],
        stair: Some(stair(2.90)),
        furniture: vec![
            Furniture::Table(4.6, 1.9, 2.0, 1.0),
            Furniture::Sofa(0.8, 3.95, 2.6, 0.9),
            Furniture::Counter(7.615, 4.35, X - I - 7.615, 0.65),
            Furniture::Counter(X - I - 0.65, 1.0, 0.65, 3.35),
            Furniture::Desk(0.45, 6.0, 0.8, 1.6),
            Furniture::Wc(8.1, Y - I - 0.3, false),
            Furniture::Basin(9.25, 7.2, true),
            Furniture::Appliance(10.0, 8.0, 0.6, "WM"),
        ],
        light_wells: vec![],
    }
}

pub fn og() -> Storey {
    let mut walls = outer(Exterior);
    walls.extend([
        Wall::new(I, 5.0, X - I, 5.24, Bearing),       // 4
        Wall::new(5.0, I, 5.115, 5.0, Partition),      // 5
        Wall::new(8.0, I, 8.115, 5.0, Partition),      // 6
        Wall::new(3.5, 5.24, 3.615, Y - I, Partition), // 7
        Wall::new(9.5, 5.24, 9.615, Y - I, Partition), // 8
    ]);
    let openings = vec![
        win(0, 1.0, 3.26, 0.6, 2.26),
        win(0, 5.6, 7.11, 0.9, 2.26),
        win(0, 8.6, 10.11, 0.9, 2.26),
        win(2, 1.5, 3.01, 0.9, 2.26),
        win(1, 1.4, 2.41, 1.2, 2.26),
        win(1, 6.1, 7.11, 0.9, 2.26),
        win(1, 10.0, 10.635, 1.5, 2.26),
        win(3, 2.0, 3.26, 0.9, 2.26),
        door(4, 4.0, 4.885, true, false),
        door(4, 5.9, 6.785, false, false),
        door(4, 8.3, 9.185, true, false),
        door(4, 1.2, 2.085, false, true),
        door(8, 5.4, 6.16, true, true),
    ];
    Storey {
        name: "Obergeschoss",
        short: "OG",
        ffb: 2.90,
        rfb: 2.75,
        clear_height: 2.55,
        walls,
        openings,
        rooms: vec![
            room("Eltern", I, I, 5.0, 5.0, "Parkett"),
            room("Kind 1", 5.115, I, 8.0, 5.0, "Parkett"),
            room("Kind 2", 8.115, I, X - I, 5.0, "Parkett"),
            room("Bad", I, 5.24, 3.5, Y - I, "Fliesen"),
            Room {
                label_dx: 1.2,
                ..room("Flur", 3.615, 5.24, 9.5, Y - I, "Parkett")
            },
            Room {
                label_dy: 0.4,
                ..room("Dusche / WC", 9.615, 5.24, X - I, Y - I, "Fliesen")
            },
        ],
        stair: Some(stair(2.90)),
        furniture: vec![
            Furniture::Bed(1.2, 2.2, 1.8, 2.0),
            Furniture::Wardrobe(I, 4.35, 2.4, 0.6),
            Furniture::Bed(6.0, 2.6, 1.0, 2.0),
            Furniture::Desk(5.2, 0.45, 1.4, 0.7),
            Furniture::Bed(9.9, 2.6, 1.0, 2.0),
            Furniture::Desk(8.7, 0.45, 1.4, 0.7),
            Furniture::Tub(I, 7.0, 0.8, 1.7),
            Furniture::Wc(2.9, Y - I - 0.3, false),
            Furniture::Basin(2.0, 5.6, false),
            Furniture::Shower(X - I - 0.9, Y - I - 0.9, 0.9),
            Furniture::Wc(10.4, 5.6, true),
        ],
        light_wells: vec![],
    }
}

pub fn dg() -> Storey {
    let mut walls = outer(Exterior);
    walls.extend([
        Wall::new(7.615, 5.0, X - I, 5.24, Bearing), // 4
        Wall::new(7.5, I, 7.615, Y - I, Partition),  // 5
    ]);
    let openings = vec![
        win(2, 3.0, 4.26, 0.9, 2.26),
        win(2, 4.75, 6.01, 0.9, 2.26),
        win(3, 3.2, 4.46, 0.9, 2.26),
        door(5, 3.8, 4.685, false, true),
        door(5, 5.5, 6.26, true, true),
    ];
    Storey {
        name: "Dachgeschoss",
        short: "DG",
        ffb: 5.80,
        rfb: 5.65,
        clear_height: 2.40,
        walls,
        openings,
        rooms: vec![
            Room {
                label_dx: -1.2,
                label_dy: -0.6,
                ..room("Studio", I, I, 7.5, Y - I, "Parkett")
            },
            Room {
                label_dx: 0.6,
                label_dy: 1.1,
                ..room("Gäste", 7.615, I, X - I, 5.0, "Parkett")
            },
            room("Abstellraum", 7.615, 5.24, X - I, Y - I, "Parkett"),
        ],
        stair: Some(stair(2.90)),
        furniture: vec![
            Furniture::Bed(7.9, 1.0, 1.4, 2.0),
            Furniture::Sofa(1.0, 3.0, 0.95, 2.4),
            Furniture::Desk(5.8, 3.4, 1.4, 0.7),
        ],
        light_wells: vec![],
    }
}

/// All storeys from the bottom.
pub fn storeys() -> Vec<Storey> {
    vec![kg(), eg(), og(), dg()]
}

/// Height of the underside of the roof above the attic floor at distance `d` from the
/// outer face of an eaves wall (m).
pub fn roof_underside(d: f64) -> f64 {
    KNEE_WALL + (d - EXT) * ROOF_PITCH_DEG.to_radians().tan()
}

/// Level of the roof top surface (outer) at distance `d` from the outer eaves wall face.
pub fn roof_top(d: f64) -> f64 {
    let t = ROOF_PITCH_DEG.to_radians();
    dg().ffb + KNEE_WALL + ROOF_THICKNESS / t.cos() + (d - EXT) * t.tan()
}

/// Ridge (First) level.
pub fn ridge_level() -> f64 {
    roof_top(LEN_Y / 2.0)
}

/// Eaves (Traufe) level at the outer wall face.
pub fn eaves_level() -> f64 {
    roof_top(0.0)
}

/// Level of the roof edge at the end of the eaves overhang.
pub fn eaves_edge_level() -> f64 {
    roof_top(-EAVES_OVERHANG)
}

/// Gross floor area per full storey (m²).
pub fn footprint() -> f64 {
    LEN_X * LEN_Y
}
