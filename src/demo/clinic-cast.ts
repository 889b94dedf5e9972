/** The people and places of the simulated clinic day: three centres of one clinic chain in India. */

export interface DemoCentre {
  id: string;
  name: string;
  timeZone: string;
  locale: string;
}

export interface DemoDoctor {
  id: string;
  name: string;
  speciality: string;
  centreId: string;
}

export interface DemoPatient {
  id: string;
  name: string;
  phone: string;
  email?: string;
  locale?: string;
}

export const CENTRES: readonly DemoCentre[] = [
  { id: 'arogya-blr-indiranagar', name: 'Arogya Clinic Indiranagar', timeZone: 'Asia/Kolkata', locale: 'en-IN' },
  { id: 'arogya-mum-andheri', name: 'Arogya Clinic Andheri West', timeZone: 'Asia/Kolkata', locale: 'en-IN' },
  { id: 'arogya-del-lajpat', name: 'Arogya Clinic Lajpat Nagar', timeZone: 'Asia/Kolkata', locale: 'hi-IN' },
];

export const DOCTORS: readonly DemoDoctor[] = [
  { id: 'doc-meera-rao', name: 'Dr. Meera Rao', speciality: 'General Physician', centreId: 'arogya-blr-indiranagar' },
  { id: 'doc-arjun-mehta', name: 'Dr. Arjun Mehta', speciality: 'Cardiology', centreId: 'arogya-blr-indiranagar' },
  { id: 'doc-kavita-iyer', name: 'Dr. Kavita Iyer', speciality: 'Dermatology', centreId: 'arogya-mum-andheri' },
  { id: 'doc-farhan-qureshi', name: 'Dr. Farhan Qureshi', speciality: 'Paediatrics', centreId: 'arogya-mum-andheri' },
  { id: 'doc-sunita-deshpande', name: 'Dr. Sunita Deshpande', speciality: 'ENT', centreId: 'arogya-del-lajpat' },
  { id: 'doc-rohan-bhatia', name: 'Dr. Rohan Bhatia', speciality: 'Orthopaedics', centreId: 'arogya-del-lajpat' },
];

// Names, and whether the patient reads Hindi. Contacts are made up (example.com addresses, numbers
// in real Indian mobile ranges so they pass validation); none belongs to anyone.
const PEOPLE: readonly [string, boolean][] = [
  ['Aarav Sharma', false], ['Priya Nair', false], ['Rahul Gupta', false], ['Ananya Reddy', false],
  ['Vikram Singh', true], ['Sneha Patil', false], ['Arjun Das', false], ['Pooja Joshi', true],
  ['Karan Malhotra', false], ['Divya Menon', false], ['Mohammed Asif', false], ['Lakshmi Subramanian', false],
  ['Harpreet Kaur', false], ['Siddharth Bose', false], ['Neha Agarwal', true], ['Ramesh Yadav', true],
  ['Sunita Devi', true], ['Rajesh Kumar', true], ['Geeta Mishra', true], ['Suresh Chauhan', true],
  ['Meenakshi Pillai', false], ['Abhishek Verma', false], ['Fatima Sheikh', false], ['Nikhil Kulkarni', false],
  ['Ishita Banerjee', false], ['Manoj Tiwari', true], ['Kavya Krishnan', false], ['Deepak Saxena', true],
  ['Shalini Rao', false], ['Anil Pandey', true], ['Tanvi Kapoor', false], ['Gaurav Chatterjee', false],
];

const MOBILE_SERIES = ['98450', '99000', '97400', '88800', '90080', '70190', '63600', '81230'];

export const PATIENTS: readonly DemoPatient[] = PEOPLE.map(([name, hindi], i) => {
  const slug = name.toLowerCase().replace(/[^a-z]+/g, '.');
  const series = MOBILE_SERIES[i % MOBILE_SERIES.length]!;
  const patient: DemoPatient = {
    id: `pat-${slug.replace(/\./g, '-')}`,
    name,
    phone: `+91${series}${String(10_000 + i * 1_733).slice(-5)}`,
  };
  // About one patient in five gave no email: WhatsApp only.
  if (i % 5 !== 3) patient.email = `${slug}@example.com`;
  if (hindi) patient.locale = 'hi';
  return patient;
});

export const centreOf = (doctor: DemoDoctor): DemoCentre => CENTRES.find((c) => c.id === doctor.centreId)!;

export const WALKIN_QUEUE = { id: 'queue-gp-morning', name: 'General Physician (walk-in)' };
export const WALKIN_ROOMS = ['Room 1', 'Room 2', 'Room 3'];
