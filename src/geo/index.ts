export { createGeoLocator } from './geo-locator.ts';
