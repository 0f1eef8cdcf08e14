import type { InstrumentInput, LocationInput } from '@labwire/domain';

export const DEMO_WORKSPACE = {
  name: 'Labwire demo lab',
  description: 'Sample workspace created by `npm run cli -- seed:demo`; safe to delete.',
};

export const DEMO_LOCATIONS: ReadonlyArray<LocationInput & { key: string }> = [
  { key: 'main', name: 'Main lab', description: 'Wet lab, benches 1-6', address: 'Building A, room 101' },
  { key: 'cold', name: 'Cold room', description: '4 °C storage and sample prep', address: 'Building A, room B12' },
];

/** Instruments by location key; serial numbers are the natural key that makes seeding idempotent. */
export const DEMO_INSTRUMENTS: ReadonlyArray<Omit<InstrumentInput, 'locationId'> & { location: string | null }> = [
  {
    location: 'main',
    name: 'pH meter 1',
    serialNumber: 'DEMO-PH-0001',
    manufacturer: 'Mettler Toledo',
    model: 'SevenCompact S210',
    type: 'ph-meter',
  },
  {
    location: 'main',
    name: 'Analytical balance',
    serialNumber: 'DEMO-BAL-0001',
    manufacturer: 'Sartorius',
    model: 'Quintix 125D',
    type: 'balance',
  },
  {
    location: 'main',
    name: 'UV-Vis spectrophotometer',
    serialNumber: 'DEMO-UV-0001',
    manufacturer: 'Thermo Fisher',
    model: 'Evolution 201',
    type: 'spectrophotometer',
  },
  {
    location: 'main',
    name: 'Benchtop centrifuge',
    serialNumber: 'DEMO-CEN-0001',
    manufacturer: 'Eppendorf',
    model: '5425',
    type: 'centrifuge',
  },
  {
    location: 'main',
    name: 'Incubator 37 °C',
    serialNumber: 'DEMO-INC-0001',
    manufacturer: 'Binder',
    model: 'BD 56',
    type: 'incubator',
    capabilities: { metrics: ['temperature', 'co2'] },
  },
  {
    location: 'main',
    name: 'Magnetic stirrer',
    serialNumber: 'DEMO-STR-0001',
    manufacturer: 'IKA',
    model: 'RCT basic',
    type: 'stirrer',
    status: 'maintenance',
  },
  {
    location: 'cold',
    name: 'Fridge 1',
    serialNumber: 'DEMO-FRG-0001',
    manufacturer: 'Liebherr',
    model: 'LKUv 1610',
    type: 'refrigerator',
    capabilities: { metrics: ['temperature'] },
  },
  {
    location: 'cold',
    name: 'Freezer -80 °C',
    serialNumber: 'DEMO-FRZ-0001',
    manufacturer: 'Thermo Fisher',
    model: 'TSX40086A',
    type: 'freezer',
    capabilities: { metrics: ['temperature'] },
  },
  {
    location: 'cold',
    name: 'Temperature logger',
    serialNumber: 'DEMO-TMP-0001',
    manufacturer: 'Testo',
    model: '184 T3',
    type: 'data-logger',
    capabilities: { metrics: ['temperature'] },
  },
  {
    location: null,
    name: 'Portable conductivity meter',
    serialNumber: 'DEMO-CON-0001',
    manufacturer: 'Hanna Instruments',
    model: 'HI99300',
    type: 'conductivity-meter',
    status: 'offline',
  },
];
